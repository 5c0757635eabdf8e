import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from mmwsss.datasets import (CamVidWeakDataset, ToyWeakDataset,
                             make_toy_dataset)
from mmwsss.datasets.weak_annotations import WeakLabelError
from ..conftest import SHARED

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadWeakAnnotations')]


def toy(root, weak_label, weak_ann, split='train', pipeline=LOAD, **kw):
    return ToyWeakDataset(
        data_root=root,
        data_prefix=dict(img_path=f'images/{split}',
                         seg_map_path=f'masks/{split}'),
        ann_file=f'{split}.txt', weak_label=weak_label, weak_ann=weak_ann,
        pipeline=pipeline, **kw)


def test_toy_generation_is_deterministic(tmp_path, toy_root):
    other = make_toy_dataset(str(tmp_path / 'again'), num_train=12, num_val=4,
                             size=48, seed=3)
    for rel in ('images/train/toy_train_0003.png', 'masks/val/toy_val_0001.png',
                'weak/points.json', 'weak/scribbles/toy_train_0005.xml'):
        with open(osp.join(toy_root, rel), 'rb') as a, \
                open(osp.join(other, rel), 'rb') as b:
            assert a.read() == b.read(), rel
    masks = [cv2.imread(osp.join(toy_root, 'masks/train', f), 0)
             for f in sorted(os.listdir(osp.join(toy_root, 'masks/train')))]
    assert set(np.unique(np.stack(masks))) == {0, 1, 2, 3}


SOURCES = {
    'points': dict(type='whats_the_point',
                   files=['weak/points.json', 'weak/points_bg.json']),
    'scribbles': dict(type='scribble_xml', dir='weak/scribbles'),
    'boxes': dict(type='voc_xml', dir='weak/Annotations'),
    'tags': dict(type='tag_list', file='weak/tags.txt'),
}


@pytest.mark.parametrize('kind', sorted(SOURCES))
def test_each_weak_label_agrees_with_the_dense_mask(toy_root, kind):
    ds = toy(toy_root, kind, SOURCES[kind])
    assert len(ds) == 12
    for i in range(len(ds)):
        r = ds[i]
        gt = r['gt_seg_map']
        if kind in ('points', 'tags'):
            np.testing.assert_array_equal(r['gt_tags'], np.unique(gt))
        else:  # small segments may get no stroke; boxes carry no background
            assert set(r['gt_tags']) <= set(np.unique(gt))
        if kind == 'points':
            cols, rows = np.floor(r['gt_points']).astype(int).T
            np.testing.assert_array_equal(gt[rows, cols],
                                          r['gt_points_labels'])
            assert set(r['gt_points_labels']) == set(np.unique(gt))
        elif kind == 'scribbles':
            weak = r['gt_weak_seg_map']
            lab = weak != 255
            assert lab.any()
            assert (weak[lab] == gt[lab]).all()
        elif kind == 'boxes':
            for (x1, y1, x2, y2), c in zip(r['gt_bboxes'],
                                           r['gt_bboxes_labels']):
                inside = gt[int(y1):int(y2), int(x1):int(x2)]
                assert (inside == c).any()
                # tight: every border row/column touches the object
                assert (inside[0] == c).any() and (inside[-1] == c).any()
                assert (inside[:, 0] == c).any() and (inside[:, -1] == c).any()


def test_coco_boxes_equal_voc_boxes(toy_root):
    voc = toy(toy_root, 'boxes', SOURCES['boxes'])
    coco = toy(toy_root, 'boxes', dict(type='coco_json',
                                       file='weak/boxes_coco.json'))
    for i in range(len(voc)):
        a, b = voc[i], coco[i]
        np.testing.assert_allclose(a['gt_bboxes'], b['gt_bboxes'])
        np.testing.assert_array_equal(a['gt_bboxes_labels'],
                                      b['gt_bboxes_labels'])


def test_scribble_png_equals_xml(toy_root):
    xml = toy(toy_root, 'scribbles', SOURCES['scribbles'])
    png = toy(toy_root, 'scribbles', dict(type='label_map',
                                          dir='weak/scribbles_png'))
    for i in range(len(xml)):
        np.testing.assert_array_equal(xml[i]['gt_weak_seg_map'],
                                      png[i]['gt_weak_seg_map'])


@pytest.mark.parametrize('kind', ['points', 'scribbles', 'boxes', 'tags'])
def test_weak_labels_derived_from_masks(toy_root, kind):
    generate = dict(type='GenerateWeakLabelsFromMask', background_classes=[0],
                    num_background_points=2, min_area=4)
    ds = toy(toy_root, kind, dict(type='from_mask'), pipeline=LOAD + [generate])
    r1, r2 = ds[0], ds[0]
    gt = r1['gt_seg_map']
    np.testing.assert_array_equal(r1['gt_tags'], np.unique(gt))
    key = dict(points='gt_points', scribbles='gt_weak_seg_map',
               boxes='gt_bboxes', tags='gt_tags')[kind]
    assert key in r1
    np.testing.assert_array_equal(r1[key], r2[key])  # deterministic
    if kind == 'points':
        assert (r1['gt_points_labels'] == 0).sum() == 2
        cols, rows = np.floor(r1['gt_points']).astype(int).T
        np.testing.assert_array_equal(gt[rows, cols], r1['gt_points_labels'])
    elif kind == 'scribbles':
        weak = r1['gt_weak_seg_map']
        labelled = weak != 255
        assert labelled.any()
        np.testing.assert_array_equal(weak[labelled], gt[labelled])
        # a stroke in every class of the image
        assert set(np.unique(weak[labelled])) == set(np.unique(gt)) - {255}
    elif kind == 'boxes':
        assert len(r1['gt_bboxes']) > 0
        for (x1, y1, x2, y2), c in zip(r1['gt_bboxes'].astype(int),
                                       r1['gt_bboxes_labels']):
            assert c != 0  # background classes get no box
            inside = gt[y1:y2, x1:x2] == c
            # tight: the class touches all four sides of its box
            assert inside[0].any() and inside[-1].any()
            assert inside[:, 0].any() and inside[:, -1].any()


def test_full_training_pipeline_packs(toy_root):
    pipeline = LOAD + [
        dict(type='WeakRandomResize', scale=(48, 48), ratio_range=(0.8, 1.2)),
        dict(type='WeakRandomCrop', crop_size=(32, 32)),
        dict(type='WeakRandomFlip', prob=0.5),
        dict(type='PackWeakSegInputs'),
    ]
    ds = toy(toy_root, 'points', SOURCES['points'], pipeline=pipeline)
    out = ds[0]
    sample = out['data_samples']
    assert out['inputs'].shape[1:] == (32, 32)
    target = sample.gt_sem_seg.data[0]
    pts = sample.gt_points.points
    cols, rows = pts.floor().long().T
    assert (target[rows, cols] == sample.gt_points.labels).all()
    assert sample.gt_tags.shape == (4, )


def test_missing_and_empty_weak_labels(toy_root, tmp_path):
    root = str(tmp_path / 'toy')
    shutil.copytree(toy_root, root)
    os.remove(osp.join(root, 'weak/scribbles/toy_train_0002.xml'))
    with pytest.raises(WeakLabelError, match='toy_train_0002.xml: missing'):
        toy(root, 'scribbles', SOURCES['scribbles'])
    ds = toy(root, 'scribbles', SOURCES['scribbles'], on_empty='skip')
    assert len(ds) == 11 and ds.num_skipped == 1
    with open(osp.join(root, 'weak/points.json')) as f:
        clicks = json.load(f)
    clicks['toy_train_0004'] = []
    with open(osp.join(root, 'weak/points_obj_only.json'), 'w') as f:
        json.dump(clicks, f)
    src = dict(type='whats_the_point', files=['weak/points_obj_only.json'])
    ds = toy(root, 'points', src, on_empty='skip')
    assert ds.num_skipped >= 1
    assert 'toy_train_0004' not in [osp.basename(d['img_path'])[:-4]
                                    for d in ds.load_data_list()]
    with pytest.raises(WeakLabelError, match='no clicks for toy_train_0004'):
        toy(root, 'points', src)


def test_clicks_outside_the_image_are_dropped_or_raise(toy_root, tmp_path):
    root = str(tmp_path / 'toy')
    shutil.copytree(toy_root, root)
    with open(osp.join(root, 'weak/points.json')) as f:
        clicks = json.load(f)
    before = len(clicks['toy_train_0001'])
    clicks['toy_train_0001'].append(dict(x=480.0, y=3.0, cls=1, rank=1))
    clicks['toy_train_0001'].append(dict(x=3.0, y=48.0, cls=1, rank=2))
    with open(osp.join(root, 'weak/points.json'), 'w') as f:
        json.dump(clicks, f)
    with pytest.warns(UserWarning, match=r'points.json: dropped 2 clicks '
                      r'outside their image in 1 images: toy_train_0001 \(2\)'):
        ds = toy(root, 'points', SOURCES['points'])
    r = ds[1]
    assert osp.basename(r['img_path']) == 'toy_train_0001.png'
    # the object clicks left, plus the background clicks of the second file
    assert (r['gt_points_labels'] != 0).sum() == before
    src = dict(SOURCES['points'], on_outside='error')
    with pytest.raises(WeakLabelError,
                       match=r'points.json: click \(480.0, 3.0\) of image '
                       r'toy_train_0001 lies outside the 48x48 image'):
        toy(root, 'points', src)


def test_bad_inputs_name_the_file(toy_root, tmp_path):
    root = str(tmp_path / 'toy')
    shutil.copytree(toy_root, root)
    # a dense mask with a label out of range
    mask_path = osp.join(root, 'masks/train/toy_train_0003.png')
    mask = cv2.imread(mask_path, 0)
    mask[0, 0] = 9
    cv2.imwrite(mask_path, mask)
    ds = toy(root, 'tags', SOURCES['tags'])
    with pytest.raises(WeakLabelError,
                       match=r'toy_train_0003.png: label values \[9\]'):
        ds[3]
    # an unreadable image
    with open(osp.join(root, 'images/train/toy_train_0005.png'), 'wb') as f:
        f.write(b'not an image')
    with pytest.raises(Exception, match='toy_train_0005'):
        ds[5]


def test_unknown_source_and_kind():
    with pytest.raises(ValueError, match='cannot provide'):
        ToyWeakDataset(weak_label='points',
                       weak_ann=dict(type='tag_list', file='x'),
                       lazy_init=True)
    with pytest.raises(ValueError, match='unknown weak_ann type'):
        ToyWeakDataset(weak_label='points', weak_ann=dict(type='nope'),
                       lazy_init=True)


CAMVID = osp.join(SHARED, 'data', 'camvid')


@pytest.mark.skipif(not osp.isdir(CAMVID), reason='no shared data')
def test_camvid_void_is_ignored_and_points_derive():
    ds = CamVidWeakDataset(
        data_root=CAMVID,
        data_prefix=dict(img_path='images/val', seg_map_path='masks/val'),
        ann_file='val.txt', weak_label='points',
        weak_ann=dict(type='from_mask'),
        pipeline=LOAD + [dict(type='GenerateWeakLabelsFromMask', min_area=20)])
    assert len(ds) == 101
    r = ds[0]
    gt = r['gt_seg_map']
    assert gt.shape == (180, 240)
    assert 11 not in np.unique(gt) and (gt <= 10).sum() + (gt == 255).sum() \
        == gt.size
    cols, rows = np.floor(r['gt_points']).astype(int).T
    np.testing.assert_array_equal(gt[rows, cols], r['gt_points_labels'])
