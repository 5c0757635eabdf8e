"""Weak-annotation sources: registry, emptiness, bad files, real click files."""
import json
import os
import os.path as osp
import shutil
import warnings

import cv2
import numpy as np
import pytest
from PIL import Image

from mmwsss.datasets import PascalVOCWeakDataset, ToyWeakDataset
from mmwsss.datasets.transforms import (LoadSuperpixels, WeakRandomCrop,
                                        WeakRandomFlip, WeakRandomResize)
from mmwsss.datasets.weak_annotations import (EmptyWeakAnnotation,
                                              WeakLabelError, load_coco_boxes,
                                              parse_scribble_xml)
from mmwsss.datasets.transforms.loading import RECORD_KEYS
from mmwsss.registry import WEAK_ANNOTATIONS
from ..conftest import REPO, SHARED

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadWeakAnnotations')]
VOC = ('background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus',
       'car', 'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
       'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
       'tvmonitor')


def toy(root, weak_label, weak_ann, pipeline=LOAD, **kw):
    return ToyWeakDataset(
        data_root=root,
        data_prefix=dict(img_path='images/train',
                         seg_map_path='masks/train'),
        ann_file='train.txt', weak_label=weak_label, weak_ann=weak_ann,
        pipeline=pipeline, **kw)


@pytest.fixture
def root(toy_root, tmp_path):
    path = str(tmp_path / 'toy')
    shutil.copytree(toy_root, path)
    return path


def test_sources_are_registered_under_both_names():
    for snake, camel in [('whats_the_point', 'WhatsThePoint'),
                         ('scribble_xml', 'ScribbleXML'),
                         ('label_map', 'LabelMap'), ('voc_xml', 'VOCXML'),
                         ('coco_json', 'COCOBoxes'), ('tag_list', 'TagList'),
                         ('from_mask', 'FromMask')]:
        assert WEAK_ANNOTATIONS.get(snake) is WEAK_ANNOTATIONS.get(camel)


def _blank_label_map(root, name):
    path = osp.join(root, 'weak/scribbles_png', name + '.png')
    cv2.imwrite(path, np.full(cv2.imread(path, 0).shape, 255, np.uint8))


def _objectless_xml(root, name):
    path = osp.join(root, 'weak/Annotations', name + '.xml')
    with open(path) as f:
        text = f.read()
    start, end = text.index('<object>'), text.rindex('</object>')
    with open(path, 'w') as f:
        f.write(text[:start] + text[end + len('</object>'):])


def _coco_without(root, name):
    path = osp.join(root, 'weak/boxes_coco.json')
    with open(path) as f:
        coco = json.load(f)
    ids = {im['id'] for im in coco['images']
           if im['file_name'].startswith(name)}
    coco['annotations'] = [a for a in coco['annotations']
                           if a['image_id'] not in ids]
    with open(path, 'w') as f:
        json.dump(coco, f)


def _tags_without(root, name):
    path = osp.join(root, 'weak/tags.txt')
    with open(path) as f:
        lines = [ln for ln in f if not ln.startswith(name)]
    with open(path, 'w') as f:
        f.writelines(lines)


def _void_mask(root, name):
    path = osp.join(root, 'masks/train', name + '.png')
    cv2.imwrite(path, np.full(cv2.imread(path, 0).shape, 255, np.uint8))


GENERATE = dict(type='GenerateWeakLabelsFromMask', min_area=4)
EMPTY_CASES = {
    'label_map': ('scribbles', dict(type='label_map', dir='weak/scribbles_png'),
                  _blank_label_map, 'no labelled pixel', LOAD),
    'label_map_points': ('points', dict(type='label_map',
                                        dir='weak/scribbles_png'),
                         _blank_label_map, 'no labelled pixel', LOAD),
    'voc_xml': ('boxes', dict(type='voc_xml', dir='weak/Annotations'),
                _objectless_xml, 'no objects', LOAD),
    'coco_json': ('boxes', dict(type='coco_json', file='weak/boxes_coco.json'),
                  _coco_without, 'no boxes for', LOAD),
    'tag_list': ('tags', dict(type='tag_list', file='weak/tags.txt'),
                 _tags_without, 'no tags for', LOAD),
    'from_mask': ('points', dict(type='from_mask'), _void_mask,
                  'no points label can be derived', LOAD[:1] + [GENERATE]),
    'from_mask_scribbles': ('scribbles', dict(type='from_mask'), _void_mask,
                            'no scribbles label can be derived',
                            LOAD[:1] + [GENERATE]),
}


@pytest.mark.parametrize('case', sorted(EMPTY_CASES))
def test_empty_annotations_raise_at_build_or_are_skipped(root, case):
    kind, source, spoil, message, pipeline = EMPTY_CASES[case]
    name = 'toy_train_0004'
    spoil(root, name)
    with pytest.raises(EmptyWeakAnnotation, match=message):
        toy(root, kind, source, pipeline=pipeline)
    ds = toy(root, kind, source, pipeline=pipeline, on_empty='skip')
    assert ds.num_skipped == 1 and len(ds) == 11
    assert [osp.basename(p) for p in ds.skipped] == [name + '.png']
    # every kept image loads (no error later, inside a worker)
    for i in range(len(ds)):
        assert osp.basename(ds[i]['img_path']) != name + '.png'


def test_from_mask_needs_the_generator_and_loads_only_the_mask(root):
    with pytest.raises(ValueError, match='needs a GenerateWeakLabelsFromMask'):
        toy(root, 'points', dict(type='from_mask'))
    ds = toy(root, 'points', dict(type='from_mask'),
             pipeline=LOAD + [GENERATE])
    r = ds[0]
    assert 'gt_seg_map' in r and len(r['gt_points'])
    cols, rows = np.floor(r['gt_points']).astype(int).T
    np.testing.assert_array_equal(r['gt_seg_map'][rows, cols],
                                  r['gt_points_labels'])
    # training pipelines read no dense mask
    ds = toy(root, 'points', dict(type='from_mask'),
             pipeline=LOAD[:1] + [GENERATE])
    assert 'gt_seg_map' not in ds[0] and 'seg_map_path' in ds[0]


def test_record_keys_never_stay_in_results(root):
    for kind, source in [
            ('points', dict(type='whats_the_point',
                            files=['weak/points.json'])),
            ('scribbles', dict(type='scribble_xml', dir='weak/scribbles')),
            ('boxes', dict(type='voc_xml', dir='weak/Annotations')),
            ('tags', dict(type='tag_list', file='weak/tags.txt'))]:
        r = toy(root, kind, source)[0]
        assert not set(RECORD_KEYS) & set(r), kind


def test_a_flag_for_a_kind_the_source_lacks_names_it(root):
    pipeline = LOAD[:1] + [dict(type='LoadWeakAnnotations', with_boxes=True)]
    ds = toy(root, 'points', dict(type='whats_the_point',
                                  files=['weak/points.json']),
             pipeline=pipeline)
    with pytest.raises(WeakLabelError,
                       match="with_boxes needs 'bbox_labels'|with_boxes needs "
                       "'weak_seg_map_path'"):
        ds[0]


def test_mmseg_geometric_transform_is_caught_at_packing(root):
    pipeline = LOAD + [
        dict(type='RandomCrop', crop_size=(32, 32)),
        dict(type='PackWeakSegInputs')
    ]
    ds = toy(root, 'points', dict(type='whats_the_point',
                                  files=['weak/points.json']),
             pipeline=pipeline)
    with pytest.raises(ValueError, match='did not move them'):
        ds[0]


# ---------------------------------------------------------------- COCO boxes
def _coco(tmp_path, **changes):
    coco = dict(
        images=[dict(id=1, file_name='a.jpg', height=10, width=20)],
        annotations=[dict(id=7, image_id=1, category_id=3,
                          bbox=[1, 2, 3, 4])],
        categories=[dict(id=3, name='bird')])
    for key, value in changes.items():
        coco[key] = value
    path = str(tmp_path / 'coco.json')
    with open(path, 'w') as f:
        json.dump(coco, f)
    return path


def test_coco_boxes_hand_example(tmp_path):
    out = load_coco_boxes(_coco(tmp_path), VOC)
    np.testing.assert_allclose(out['a']['bboxes'], [[1, 2, 4, 6]])
    np.testing.assert_array_equal(out['a']['labels'], [3])
    out = load_coco_boxes(_coco(tmp_path), VOC, category_map={3: 5})
    np.testing.assert_array_equal(out['a']['labels'], [5])


@pytest.mark.parametrize('changes, kwargs, message', [
    (dict(annotations=[dict(id=7, image_id=1, category_id=3)]), {},
     r'coco.json: annotation 7 \(image a\) has no "bbox"'),
    (dict(annotations=[dict(id=7, image_id=1, category_id=3,
                            bbox=[1, 2])]), {}, 'annotation 7 .* malformed'),
    (dict(categories=[dict(id=3)]), {},
     r'coco.json: categories\[0\] needs "id" and "name"'),
    (dict(images=[dict(id=1, height=10, width=20)]), {},
     r'coco.json: images\[0\] needs "id", "file_name"'),
    (dict(annotations={}), {}, 'needs "images" and "annotations" lists'),
    ({}, dict(category_map={3: 21}),
     r'category_map maps category 3 to 21, not a label in 0..20'),
    ({}, dict(category_map={3: -1}), 'not a label in 0..20'),
    ({}, dict(category_map={3: True}), 'not a label in 0..20'),
])
def test_coco_bad_files_name_file_and_problem(tmp_path, changes, kwargs,
                                              message):
    with pytest.raises(WeakLabelError, match=message):
        load_coco_boxes(_coco(tmp_path, **changes), VOC, **kwargs)


# ----------------------------------------------------------- scribble XML
def test_scribble_points_outside_are_counted_and_clamped(tmp_path):
    path = str(tmp_path / 's.xml')
    with open(path, 'w') as f:
        f.write('<annotation><size><width>10</width><height>8</height>'
                '</size><polygon><tag>bird</tag>'
                '<point><X>-2</X><Y>3</Y></point>'
                '<point><X>5</X><Y>3</Y></point>'
                '<point><X>12</X><Y>9</Y></point>'
                '</polygon></annotation>')
    with pytest.warns(UserWarning, match=r's.xml: 2 of 3 scribble points lie '
                      r'outside the 10x8 image'):
        _, strokes = parse_scribble_xml(path, VOC)
    np.testing.assert_array_equal(strokes[0][1], [[0, 3], [5, 3], [9, 7]])
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # a file inside its frame: no warning
        with open(path, 'w') as f:
            f.write('<annotation><size><width>10</width><height>8</height>'
                    '</size><polygon><tag>bird</tag><point><X>9</X><Y>7</Y>'
                    '</point></polygon></annotation>')
        parse_scribble_xml(path, VOC)


# ------------------------------------------------- superpixels and flips
def test_superpixel_ids_above_255_survive_flip_with_label_swap(tmp_path):
    h, w = 20, 30
    regions = np.arange(h * w, dtype=np.uint16).reshape(h, w)  # 600 ids
    os.makedirs(tmp_path / 'sp')
    cv2.imwrite(str(tmp_path / 'sp' / 'img.png'), regions)
    label = np.zeros((h, w), np.uint8)
    label[:, :10] = 3  # a left part; the flip swaps 3 <-> 2
    results = dict(img=np.zeros((h, w, 3), np.uint8), img_path='img.jpg',
                   img_shape=(h, w), ori_shape=(h, w),
                   gt_weak_seg_map=label, seg_fields=['gt_weak_seg_map'])
    results = LoadSuperpixels(dir=str(tmp_path / 'sp'))(results)
    assert results['seg_fields'] == ['gt_weak_seg_map']
    np.random.seed(0)
    results = WeakRandomResize(scale=(60, 40), keep_ratio=False)(results)
    results = WeakRandomCrop(crop_size=(30, 44))(results)
    results = WeakRandomFlip(prob=1.0, swap_label_pairs=[(3, 2)])(results)
    sp, lab = results['gt_superpixels'], results['gt_weak_seg_map']
    assert sp.shape == lab.shape == results['img'].shape[:2]
    # ids are relabelled consecutively by the loader, so each id is a source
    # pixel: the flip must keep every id and mirror the columns
    src_cols = sp.astype(np.int64) % w
    assert (np.diff(src_cols, axis=1) <= 0).all()  # mirrored
    assert sp.max() > 255
    # the left part (source columns < 10) now carries label 2
    np.testing.assert_array_equal(lab == 2, src_cols < 10)


# --------------------------------------------- real "What's the point" files
REAL_POINTS = osp.join(SHARED, 'data', 'voc_points')


@pytest.mark.skipif(not osp.isdir(REAL_POINTS), reason='no shared data')
def test_real_click_files_with_voc_sized_images(tmp_path):
    files = ['voc_whats_the_point.json',
             'voc_whats_the_point_bg_from_scribbles.json']
    clicks = {}
    for name in files:
        with open(osp.join(REAL_POINTS, name)) as f:
            clicks[name] = json.load(f)
    # independent count: clicks outside a 500 x 500 frame (VOC's largest)
    outside = {}
    for name, content in clicks.items():
        for image_id, rows in content.items():
            n = sum(not (0 <= c['x'] < 500 and 0 <= c['y'] < 500)
                    for c in rows)
            if n:
                outside.setdefault(name, {})[image_id] = n
    ids = sorted(set().union(*[set(v) for v in outside.values()]))
    assert sum(sum(v.values()) for v in outside.values()) == 63
    assert len(ids) == 48
    normal = ['2008_004171', '2007_000032']
    root = tmp_path / 'VOC2012'
    os.makedirs(root / 'JPEGImages')
    os.makedirs(root / 'ImageSets/Segmentation')
    os.makedirs(root / 'whats_the_point')
    for f in files:
        shutil.copy(osp.join(REAL_POINTS, f), root / 'whats_the_point' / f)
    for image_id in ids + normal:
        Image.new('RGB', (500, 500)).save(root / 'JPEGImages' /
                                         f'{image_id}.jpg')
    with open(root / 'ImageSets/Segmentation/train.txt', 'w') as f:
        f.write('\n'.join(ids + normal) + '\n')
    kwargs = dict(
        data_root=str(root), data_prefix=dict(img_path='JPEGImages'),
        ann_file='ImageSets/Segmentation/train.txt', weak_label='points',
        pipeline=LOAD[:1] + [dict(type='LoadWeakAnnotations', with_seg=False)])
    source = dict(type='whats_the_point',
                  files=[f'whats_the_point/{f}' for f in files])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        ds = PascalVOCWeakDataset(weak_ann=source, **kwargs)
    messages = [str(w.message) for w in caught if 'dropped' in str(w.message)]
    assert len(messages) == 2  # one per file
    for name, message in zip(files, messages):
        n = sum(outside[name].values())
        assert message.startswith(f'{root}/whats_the_point/{name}: dropped '
                                  f'{n} clicks outside their image in '
                                  f'{len(outside[name])} images: ')
        for image_id, count in outside[name].items():
            assert f'{image_id} ({count})' in message
    # the kept clicks of every image are the ones inside, in file order
    for i, info in enumerate(ds.data_list):
        image_id = osp.basename(info['img_path'])[:-4]
        expected = [(c['x'], c['y'], c['cls']) for name in files
                    for c in clicks[name].get(image_id, [])
                    if 0 <= c['x'] < 500 and 0 <= c['y'] < 500]
        r = ds[i]
        np.testing.assert_array_equal(r['gt_points_labels'],
                                      [e[2] for e in expected])
        np.testing.assert_allclose(
            r['gt_points'], np.floor([e[:2] for e in expected]) + 0.5)
    with pytest.raises(WeakLabelError, match='lies outside the 500x500 image'):
        PascalVOCWeakDataset(weak_ann=dict(source, on_outside='error'),
                             **kwargs)


def test_converter_drops_outside_clicks_with_a_warning(tmp_path, monkeypatch):
    import importlib.util
    import sys
    spec = importlib.util.spec_from_file_location(
        'whats_the_point_tool',
        osp.join(REPO, 'tools/dataset_converters/whats_the_point.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    os.makedirs(tmp_path / 'img')
    Image.new('RGB', (10, 8)).save(tmp_path / 'img' / 'a.jpg')
    obj = tmp_path / 'obj.json'
    bg = tmp_path / 'bg.json'
    obj.write_text(json.dumps({'a': [dict(x=2.2, y=3.9, cls=5, rank=1),
                                     dict(x=10.0, y=1.0, cls=5, rank=2)]}))
    bg.write_text(json.dumps({'a': [dict(x=7.5, y=7.9, cls=0)]}))
    argv = ['x', str(tmp_path / 'img'), str(tmp_path / 'out'), '--json',
            str(obj), str(bg)]
    monkeypatch.setattr(sys, 'argv', argv)
    with pytest.warns(UserWarning, match=r'obj.json: dropped 1 clicks outside '
                      r'their image in 1 images: a \(1\)'):
        tool.main()
    out = cv2.imread(str(tmp_path / 'out' / 'a.png'), 0)
    expected = np.full((8, 10), 255, np.uint8)
    expected[3, 2] = 5
    expected[7, 7] = 0
    np.testing.assert_array_equal(out, expected)
    monkeypatch.setattr(sys, 'argv', argv + ['--on-outside', 'error'])
    with pytest.raises(WeakLabelError, match=r'\(10.0, 1.0\) of image a lies '
                       r'outside the 10x8 image'):
        tool.main()


@pytest.mark.parametrize('kind', ['points', 'scribbles', 'boxes', 'tags'])
def test_generator_emptiness_check_agrees_with_generation(tmp_path, kind):
    from mmwsss.datasets.transforms import GenerateWeakLabelsFromMask
    rng = np.random.default_rng(0)
    gens = [GenerateWeakLabelsFromMask(min_area=6),
            GenerateWeakLabelsFromMask(background_classes=[0]),
            GenerateWeakLabelsFromMask(background_classes=[0],
                                       num_background_points=1, min_area=9)]
    empties = 0
    for i in range(40):
        mask = np.full((12, 14), 255, np.uint8)
        for _ in range(rng.integers(0, 4)):  # a few small blobs
            y, x = rng.integers(0, 12), rng.integers(0, 14)
            hh, ww = rng.integers(1, 5, 2)
            mask[y:y + hh, x:x + ww] = rng.integers(0, 3)
        path = str(tmp_path / f'{i}.png')
        cv2.imwrite(path, mask)
        info = dict(seg_map_path=path, img_path=f'{i}.jpg', num_classes=3,
                    weak_label=kind)
        for gen in gens:
            out = gen.generate(info)
            generated_empty = not (
                len(out.get('gt_points', ())) or len(out.get('gt_bboxes', ()))
                or (out.get('gt_weak_seg_map', np.full(1, 255)) != 255).any()
                or (kind == 'tags' and len(out['gt_tags'])))
            assert gen.is_empty(info) == generated_empty, (i, gen)
            empties += generated_empty
    assert 0 < empties < 120  # both outcomes occur


def test_loading_steps_of_a_from_mask_pipeline(root):
    from mmwsss.datasets.transforms import loading_steps
    train = LOAD[:1] + [
        dict(GENERATE), dict(type='WeakRandomFlip', prob=1.0),
        dict(type='PackWeakSegInputs')
    ]
    steps = loading_steps(train)
    assert [s['type'] for s in steps] == [
        'LoadImageFromFile', 'LoadWeakAnnotations',
        'GenerateWeakLabelsFromMask'
    ]
    assert steps[1]['with_seg'] is True and train[1] == GENERATE  # copies
    r = toy(root, 'points', dict(type='from_mask'), pipeline=steps)[0]
    cols, rows = np.floor(r['gt_points']).astype(int).T
    np.testing.assert_array_equal(r['gt_seg_map'][rows, cols],
                                  r['gt_points_labels'])
    files = LOAD[:1] + [dict(type='LoadWeakAnnotations', with_seg=False),
                        dict(type='WeakRandomFlip')]
    assert loading_steps(files, with_seg=False) == [
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations', with_seg=False)
    ]


@pytest.mark.parametrize('kind, source', [
    ('boxes', dict(type='voc_xml', dir='weak/Annotations')),
    ('points', dict(type='whats_the_point',
                    files=['weak/points.json', 'weak/points_bg.json'])),
])
def test_pseudo_masks_are_made_once_and_read_as_label_maps(root, tmp_path,
                                                           kind, source):
    from mmwsss.apis import weak_to_pseudo_mask
    cache = str(tmp_path / 'pseudo')
    ann = dict(type='pseudo_masks', source=source, cache_dir=cache,
               method='rw')
    ds = toy(root, kind, ann)
    r = ds[2]
    # the same mask computed directly from the source's labels
    plain = toy(root, kind, source)[2]
    image = np.ascontiguousarray(plain['img'][..., ::-1])
    if kind == 'boxes':
        weak = np.full(image.shape[:2], 255, np.uint8)
        expected = weak_to_pseudo_mask(image, weak, 4, 'rw',
                                       plain['gt_bboxes'],
                                       plain['gt_bboxes_labels'])
    else:
        weak = np.full(image.shape[:2], 255, np.uint8)
        cols, rows = np.floor(plain['gt_points']).astype(int).T
        weak[rows, cols] = plain['gt_points_labels']
        expected = weak_to_pseudo_mask(image, weak, 4, 'rw')
    np.testing.assert_array_equal(r['gt_weak_seg_map'], expected)
    # dense and close to the truth (pixel accuracy, 'rw': 0.77 from the
    # clicks of this image)
    gt = r['gt_seg_map']
    assert (r['gt_weak_seg_map'] == gt).mean() > 0.7
    # built once: a second dataset reads the same files
    png = osp.join(cache, 'toy_train_0002.png')
    mtime = os.path.getmtime(png)
    toy(root, kind, ann)
    assert os.path.getmtime(png) == mtime
    # other settings make them again
    toy(root, kind, dict(ann, method='crf'))
    with open(osp.join(cache, 'settings.json')) as f:
        assert json.load(f)['method'] == 'crf'


def test_auto_pseudo_masks_are_made_again_when_auto_changes(
        root, tmp_path, monkeypatch):
    """'auto' is stored with what it stands for: a new choice of method
    makes the cached masks again."""
    from mmwsss.apis import pseudo_masks, weak_to_pseudo_mask
    source = dict(type='voc_xml', dir='weak/Annotations')
    ann = dict(type='pseudo_masks', source=source,
               cache_dir=str(tmp_path / 'pseudo'), method='auto')
    plain = toy(root, 'boxes', source)[2]
    image = np.ascontiguousarray(plain['img'][..., ::-1])
    weak = np.full(image.shape[:2], 255, np.uint8)
    made = []
    for method in ('rw', 'crf'):
        monkeypatch.setattr(pseudo_masks, 'AUTO_METHODS',
                            dict(boxes=dict(method=method)))
        r = toy(root, 'boxes', ann)[2]
        expected = weak_to_pseudo_mask(image, weak, 4, method,
                                       plain['gt_bboxes'],
                                       plain['gt_bboxes_labels'])
        np.testing.assert_array_equal(r['gt_weak_seg_map'], expected)
        made.append(r['gt_weak_seg_map'])
        with open(tmp_path / 'pseudo' / 'settings.json') as f:
            assert json.load(f)['auto'] == dict(boxes=dict(method=method))
    assert not np.array_equal(*made)  # the two methods' masks differ


def test_pseudo_masks_refuse_sources_without_labels_on_disk(root, tmp_path):
    with pytest.raises(ValueError, match='needs a source of weak labels'):
        toy(root, 'points', dict(type='pseudo_masks', cache_dir=str(tmp_path),
                                 source=dict(type='from_mask')))
