"""The data side of PMP and PDML: PointsFromBoxes, the vertical flip,
PASCAL-Context and the point dataset configs."""
import os
import os.path as osp
import zlib

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from scipy import ndimage

from mmwsss.datasets import PascalContextWeakDataset
from mmwsss.datasets.generators import (pixels_covered_by_boxes,
                                        points_from_boxes)
from mmwsss.datasets.transforms import (GeneratePointBlots,
                                        GenerateWeakLabelsFromMask,
                                        PointsFromBoxes,
                                        WeakRandomVerticalFlip)
from mmwsss.datasets.weak_annotations import EmptyWeakAnnotation
from mmwsss.registry import DATASETS

from ..conftest import REPO

CONFIGS = osp.join(REPO, 'configs', '_base_', 'datasets')


def config(name):
    return Config.fromfile(osp.join(CONFIGS, name + '.py'))


def naive_outside(boxes, h, w):
    """Pixels wholly outside every box, pixel by pixel: pixel (r, c) spans
    [c, c + 1) x [r, r + 1) and must not overlap any box's interior."""
    out = np.ones((h, w), bool)
    for r in range(h):
        for c in range(w):
            for x1, y1, x2, y2 in boxes:
                if c + 1 > x1 and c < x2 and r + 1 > y1 and r < y2:
                    out[r, c] = False
    return out


def box_sample(boxes, labels, h=24, w=32, name='a/img_1.jpg', **extra):
    results = dict(
        img=np.zeros((h, w, 3), np.uint8), img_path=name, img_shape=(h, w),
        ori_shape=(h, w), gt_bboxes=np.asarray(boxes, np.float32),
        gt_bboxes_labels=np.asarray(labels, np.int64), weak_label='boxes',
        weak_coords_shape=(h, w), seg_fields=[], num_classes=21)
    results.update(extra)
    return results


# --------------------------------------------------------- points_from_boxes
BOXES = [[2., 3., 10., 9.], [20.2, 1.7, 31., 23.]]


def test_hand_worked_centres_and_background_points():
    points, labels = points_from_boxes(BOXES, [5, 7], (24, 32), rng=1)
    # centres (6, 6) and (25.6, 12.35): the pixels (6, 6) and (25, 12)
    np.testing.assert_array_equal(points[:2], [[6.5, 6.5], [25.5, 12.5]])
    assert points.dtype == np.float32 and labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [5, 7] + [0] * 8)
    bg = points[2:]
    assert len(bg) == 8 and len(np.unique(bg, axis=0)) == 8
    np.testing.assert_array_equal(bg % 1, 0.5)  # pixel centres
    cols, rows = np.floor(bg).astype(int).T
    assert naive_outside(BOXES, 24, 32)[rows, cols].all()


def test_covered_pixels_match_the_pixel_by_pixel_definition():
    rng = np.random.default_rng(0)
    for _ in range(5):
        xy = rng.uniform(-4, 30, (4, 2))
        wh = rng.uniform(0, 12, (4, 2))
        boxes = np.concatenate([xy, xy + wh], 1)
        np.testing.assert_array_equal(
            pixels_covered_by_boxes(boxes, (20, 26)),
            ~naive_outside(boxes, 20, 26))


@pytest.mark.parametrize('k', [0, 1, 3, 4])
def test_counts_follow_the_number_of_boxes(k):
    points, labels = points_from_boxes(BOXES, [5, 7], (24, 32), k,
                                       bg_label=9)
    assert len(points) == 2 + 2 * k
    np.testing.assert_array_equal(labels[2:], [9] * (2 * k))
    empty = points_from_boxes(np.zeros((0, 4)), [], (24, 32))
    assert empty[0].shape == (0, 2) and empty[1].shape == (0, )


def test_background_points_are_uniform_outside_the_boxes():
    # the box covers the left half; the right half is split into its top and
    # bottom quarters of equal area
    counts = np.zeros(2)
    for seed in range(500):
        p, _ = points_from_boxes([[0, 0, 16, 24]], [1], (24, 32), rng=seed)
        assert (p[1:, 0] >= 16).all()
        counts += np.bincount((p[1:, 1] >= 12).astype(int), minlength=2)
    assert abs(counts[0] / counts.sum() - 0.5) < 0.04  # 2000 draws


def test_no_pixel_outside_gives_no_background_points():
    points, labels = points_from_boxes([[0, 0, 32, 24], [4, 4, 8, 8]],
                                       [3, 4], (24, 32))
    np.testing.assert_array_equal(points, [[16.5, 12.5], [6.5, 6.5]])
    np.testing.assert_array_equal(labels, [3, 4])
    # fewer free pixels than asked for: all of them, once each
    # a box that overlaps the last row covers it
    points, _ = points_from_boxes([[0, 0, 32, 23.5]], [3], (24, 32), 4)
    np.testing.assert_array_equal(points, [[16.5, 11.5]])
    points, _ = points_from_boxes([[0, 0, 30, 24]], [3], (24, 32), 100)
    assert len(points) == 1 + 2 * 24
    assert sorted(map(tuple, points[1:].tolist())) == sorted(
        (x + 0.5, y + 0.5) for x in (30, 31) for y in range(24))


def test_centres_on_the_border_are_clipped_into_the_image():
    points, _ = points_from_boxes([[32, 0, 32, 24], [0, 24, 4, 24]], [1, 2],
                                  (24, 32), 0)
    np.testing.assert_array_equal(points, [[31.5, 12.5], [2.5, 23.5]])


@pytest.mark.parametrize('box', [[30, 2, 40, 6], [-9, 2, -1, 6],
                                 [2, 20, 6, 40], [4, 2, 2, 6],
                                 [np.nan, 2, 6, 6]])
def test_bad_boxes_raise(box):
    with pytest.raises(ValueError, match='box'):
        points_from_boxes([box], [1], (24, 32))


# ----------------------------------------------------------- PointsFromBoxes
def test_transform_makes_a_point_sample():
    results = box_sample(BOXES, [5, 7], gt_tags=np.array([5, 7]))
    out = PointsFromBoxes()(results)
    assert out['weak_label'] == 'points'
    assert 'gt_bboxes' not in out and 'gt_bboxes_labels' not in out
    assert out['gt_points'].shape == (10, 2)
    assert out['gt_points'].dtype == np.float32
    np.testing.assert_array_equal(out['gt_points_labels'][:2], [5, 7])
    np.testing.assert_array_equal(out['gt_tags'], [0, 5, 7])
    assert out['weak_coords_shape'] == (24, 32)


def test_transform_is_seeded_by_the_file_name():
    name = 'VOC2012/JPEGImages/2007_000032.jpg'
    first = PointsFromBoxes(seed=3)(box_sample(BOXES, [5, 7], name=name))
    again = PointsFromBoxes(seed=3)(box_sample(BOXES, [5, 7], name=name))
    np.testing.assert_array_equal(first['gt_points'], again['gt_points'])
    # the same draw as the function with crc32(file name) + seed
    rng = np.random.default_rng(zlib.crc32(b'2007_000032.jpg') + 3)
    want, _ = points_from_boxes(BOXES, [5, 7], (24, 32), rng=rng)
    np.testing.assert_array_equal(first['gt_points'], want)
    other = PointsFromBoxes(seed=3)(box_sample(BOXES, [5, 7], name='b.jpg'))
    seed4 = PointsFromBoxes(seed=4)(box_sample(BOXES, [5, 7], name=name))
    assert not np.array_equal(other['gt_points'], first['gt_points'])
    assert not np.array_equal(seed4['gt_points'], first['gt_points'])


def test_transform_errors_name_the_image():
    with pytest.raises(ValueError, match=r'img_9\.jpg.*outside the 32x24'):
        PointsFromBoxes()(box_sample([[30, 2, 40, 6]], [1],
                                     name='x/img_9.jpg'))
    with pytest.raises(KeyError, match=r"weak_label='boxes'"):
        results = box_sample(BOXES, [5, 7])
        del results['gt_bboxes']
        PointsFromBoxes()(results)
    with pytest.raises(ValueError, match='before geometric'):
        PointsFromBoxes()(box_sample(BOXES, [5, 7], ori_shape=(48, 64)))
    with pytest.raises(EmptyWeakAnnotation):
        PointsFromBoxes()(box_sample(np.zeros((0, 4)), []))


# ---------------------------------------------------- WeakRandomVerticalFlip
def test_vertical_flip_moves_points_boxes_and_maps():
    h, w = 24, 32
    rng = np.random.default_rng(0)
    rows, cols = np.divmod(rng.choice(h * w, 10, replace=False), w)
    labels = rng.integers(1, 5, 10)
    weak = np.full((h, w), 255, np.uint8)
    weak[rows, cols] = labels
    results = dict(
        img=rng.integers(0, 255, (h, w, 3)).astype(np.uint8),
        img_shape=(h, w), ori_shape=(h, w), gt_weak_seg_map=weak,
        seg_fields=['gt_weak_seg_map'],
        gt_points=np.stack([cols + .5, rows + .5], 1).astype(np.float32),
        gt_points_labels=labels,
        gt_bboxes=np.array([[2., 3., 10., 9.]], np.float32),
        gt_bboxes_labels=np.array([1]), flip=True,
        flip_direction='horizontal')
    img = results['img'].copy()
    out = WeakRandomVerticalFlip(prob=1.0)(results)
    np.testing.assert_array_equal(out['img'], img[::-1])
    c, r = np.floor(out['gt_points']).astype(int).T
    np.testing.assert_array_equal(out['gt_weak_seg_map'][r, c], labels)
    np.testing.assert_array_equal(r, h - 1 - rows)
    np.testing.assert_allclose(out['gt_bboxes'], [[2, 15, 10, 21]])
    assert out['flip'] and out['flip_direction'] == 'diagonal'
    kept = WeakRandomVerticalFlip(prob=0.0)(dict(out, flip=False,
                                                 flip_direction=None))
    assert kept['flip_direction'] is None


# ------------------------------------------------------------ fake datasets
def write_image(path, h, w, seed):
    rng = np.random.default_rng(seed)
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, rng.integers(0, 255, (h, w, 3)).astype(np.uint8))


def context_masks():
    """20x30 Context masks, values 0..59 (0 = background)."""
    m0 = np.zeros((20, 30), np.uint8)
    m0[:, 10:20], m0[:, 20:] = 1, 59
    m1 = np.zeros((20, 30), np.uint8)
    m1[10:, :15], m1[10:, 15:] = 30, 45
    m1[2:5, 20:23] = 30  # a second, small segment of class 30
    m2 = (np.arange(600).reshape(20, 30) % 60).astype(np.uint8)
    return dict(c0=m0, c1=m1, c2=m2)


@pytest.fixture
def context_root(tmp_path):
    root = tmp_path / 'VOC2010'
    for i, (name, mask) in enumerate(context_masks().items()):
        write_image(str(root / 'JPEGImages' / f'{name}.jpg'), 20, 30, i)
        os.makedirs(root / 'SegmentationClassContext', exist_ok=True)
        cv2.imwrite(str(root / 'SegmentationClassContext' / f'{name}.png'),
                    mask)
    os.makedirs(root / 'ImageSets' / 'SegmentationContext')
    (root / 'ImageSets/SegmentationContext/train.txt').write_text('c0\nc1\n')
    (root / 'ImageSets/SegmentationContext/val.txt').write_text('c2\nc0\n')
    (root / 'ImageSets/SegmentationContext/all.txt').write_text(
        'c0\nc1\nc2\n')
    return str(root)


def test_context_points_use_the_reduced_labels(context_root):
    """Points derived from Context masks carry the reduced labels: class
    v in 1..59 becomes v - 1, the former background 0 (255) gets none; one
    point per 8-connected segment, as counted independently."""
    ds = PascalContextWeakDataset(
        data_root=context_root,
        data_prefix=dict(img_path='JPEGImages',
                         seg_map_path='SegmentationClassContext'),
        ann_file='ImageSets/SegmentationContext/all.txt',
        weak_label='points', weak_ann=dict(type='from_mask'),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='GenerateWeakLabelsFromMask', min_area=1)])
    assert len(ds.metainfo['classes']) == 59
    masks = context_masks()
    for i in range(len(ds)):
        r = ds[i]
        assert r['reduce_zero_label']
        raw = masks[osp.splitext(osp.basename(r['img_path']))[0]]
        c, row = np.floor(r['gt_points']).astype(int).T
        assert (raw[row, c] != 0).all()
        np.testing.assert_array_equal(r['gt_points_labels'],
                                      raw[row, c].astype(int) - 1)
        assert r['gt_points_labels'].max() <= 58
        count = 0
        for v in np.unique(raw[raw > 0]):
            comp, n = ndimage.label(raw == v, np.ones((3, 3)))
            count += n
            # exactly one point in every segment
            hits = comp[row, c][r['gt_points_labels'] == v - 1]
            np.testing.assert_array_equal(np.sort(hits), np.arange(1, n + 1))
        assert len(r['gt_points']) == count
    # the mask with every value 0..59: 590 one-pixel segments, labels 0..58
    assert len(ds[2]['gt_points']) == 590
    np.testing.assert_array_equal(np.unique(ds[2]['gt_points_labels']),
                                  np.arange(59))


def test_pascal_context59_points_config(context_root):
    cfg = config('pascal_context59_points')
    ds_cfg = cfg.train_dataloader.dataset
    assert ds_cfg.type == 'PascalContextWeakDataset'
    assert ds_cfg.weak_label == 'points'
    assert cfg.train_dataloader.batch_size == 8
    steps = {t.type: t for t in ds_cfg.pipeline}
    assert steps['WeakRandomCrop'].crop_size == (321, 321)
    assert steps['WeakRandomResize'].scale == (520, 520)
    assert steps['GenerateWeakLabelsFromMask'].min_area == 100
    ds_cfg.data_root = context_root
    ds = DATASETS.build(ds_cfg)
    assert len(ds) == 2
    # the first random crop (from seed 0 on) that keeps a point
    for seed in range(20):
        np.random.seed(seed)
        data = ds[1]
        if len(data['data_samples'].gt_points.labels):
            break
    sample = data['data_samples']
    assert data['inputs'].shape[1:] == (321, 321)
    assert sample.metainfo['weak_label'] == 'points'
    pts = sample.gt_points.points.long()
    labels = sample.gt_points.labels
    # c1: segments 30 and 45 (>= 100 px) -> labels 29, 44; the 9-pixel one
    # of 30 gets no point
    assert len(labels) > 0 and set(labels.tolist()) <= {29, 44}
    target = sample.gt_sem_seg.data[0]
    np.testing.assert_array_equal(target[pts[:, 1], pts[:, 0]], labels)
    # the generator under min_area=100 on the original mask
    gen = GenerateWeakLabelsFromMask(min_area=100).generate(
        ds.get_data_info(1))
    np.testing.assert_array_equal(gen['gt_points_labels'], [29, 44])

    val_cfg = cfg.val_dataloader.dataset
    val_cfg.data_root = context_root
    val = DATASETS.build(val_cfg)
    gt = val[0]['data_samples'].gt_sem_seg.data[0].numpy()
    raw = context_masks()['c2']
    want = raw.astype(int) - 1
    want[raw == 0] = 255
    np.testing.assert_array_equal(gt, want)
    assert cfg.val_evaluator.type == 'ContourMetric'


@pytest.fixture
def voc_root(tmp_path):
    """A VOC tree: 2 JPEGs (40x60) and their Annotations with 2 boxes."""
    root = tmp_path / 'VOC2012'
    objects = {
        '2007_000001': [('dog', (5, 4, 20, 18)), ('person', (30, 10, 52,
                                                             36))],
        '2007_000002': [('car', (1, 1, 25, 15)), ('cat', (41, 21, 60, 40))],
    }
    os.makedirs(root / 'Annotations')
    for i, (name, objs) in enumerate(objects.items()):
        write_image(str(root / 'JPEGImages' / f'{name}.jpg'), 40, 60, i)
        body = ''.join(
            f'<object><name>{c}</name><difficult>0</difficult><bndbox>'
            f'<xmin>{b[0]}</xmin><ymin>{b[1]}</ymin><xmax>{b[2]}</xmax>'
            f'<ymax>{b[3]}</ymax></bndbox></object>' for c, b in objs)
        (root / 'Annotations' / f'{name}.xml').write_text(
            f'<annotation><filename>{name}.jpg</filename><size><width>60'
            f'</width><height>40</height><depth>3</depth></size>{body}'
            f'</annotation>')
    os.makedirs(root / 'ImageSets' / 'Segmentation')
    (root / 'ImageSets/Segmentation/train_aug.txt').write_text(
        '\n'.join(objects) + '\n')
    return str(root), objects


def voc_train_config(root, tmp_path):
    cfg = config('voc12aug_points_pmp')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = root
    for step in ds_cfg.pipeline:
        if step.type == 'GeneratePointBlots':
            step.cache_dir = str(tmp_path / 'blots')
    return cfg, ds_cfg


def test_voc_boxes_become_centre_and_background_points(voc_root, tmp_path):
    root, objects = voc_root
    cfg, ds_cfg = voc_train_config(root, tmp_path)
    assert ds_cfg.weak_label == 'boxes'
    assert ds_cfg.weak_ann == dict(type='voc_xml', dir='Annotations')
    types = [t.type for t in ds_cfg.pipeline]
    assert types.index('PointsFromBoxes') < types.index(
        'GeneratePointBlots') < types.index('WeakRandomResize')
    assert 'WeakRandomVerticalFlip' in types
    # the loading steps up to PointsFromBoxes: before any geometry
    ds_cfg.pipeline = ds_cfg.pipeline[:3]
    ds = DATASETS.build(ds_cfg)
    classes = ds.metainfo['classes']
    for i, (name, objs) in enumerate(objects.items()):
        r = ds[i]
        assert r['weak_label'] == 'points' and 'gt_bboxes' not in r
        boxes = [(b[0] - 1, b[1] - 1, b[2], b[3]) for _, b in objs]
        centres = [(np.floor((x1 + x2) / 2) + .5, np.floor((y1 + y2) / 2) +
                    .5) for x1, y1, x2, y2 in boxes]
        np.testing.assert_array_equal(r['gt_points'][:2], centres)
        np.testing.assert_array_equal(
            r['gt_points_labels'],
            [classes.index(c) for c, _ in objs] + [0] * 8)
        c, row = np.floor(r['gt_points'][2:]).astype(int).T
        assert naive_outside(boxes, 40, 60)[row, c].all()
        assert len(np.unique(r['gt_points'][2:], axis=0)) == 8
        assert r['weak_coords_shape'] == (40, 60)


@pytest.mark.parametrize('seed', range(3))
def test_voc12aug_points_pmp_pipeline_packs_points_and_blots(
        voc_root, tmp_path, seed):
    root, objects = voc_root
    cfg, ds_cfg = voc_train_config(root, tmp_path)
    ds = DATASETS.build(ds_cfg)
    np.random.seed(seed)
    num_points = 0
    for _ in range(2):
        for i, name in enumerate(objects):
            data = ds[i]
            assert osp.isfile(tmp_path / 'blots' / f'{name}.png')  # cached
            # a 512 crop of the upscaled image may hold no click
            num_points += check_packed_points_on_blots(data,
                                                       allow_empty=True)
            assert max(data['inputs'].shape[1:]) <= 512
            assert 'gt_instances' not in data['data_samples']
    assert num_points > 0
    # the cached blots are those of the points before geometry
    ds_cfg.pipeline = ds_cfg.pipeline[:3]
    loaded = DATASETS.build(ds_cfg)
    for i, name in enumerate(objects):
        png = cv2.imread(str(tmp_path / 'blots' / f'{name}.png'),
                         cv2.IMREAD_UNCHANGED)
        r = loaded[i]
        np.testing.assert_array_equal(png, GeneratePointBlots()(r)[
            'gt_point_blots'])
        cols, rows = np.floor(r['gt_points']).astype(int).T
        np.testing.assert_array_equal(png[rows, cols],
                                      r['gt_points_labels'])


def check_packed_points_on_blots(data, size=None, allow_empty=False):
    """Every packed click lies on a blot pixel and a target pixel of its
    class; returns the number of clicks."""
    sample = data['data_samples']
    assert sample.metainfo['weak_label'] == 'points'
    h, w = data['inputs'].shape[1:]
    if size is not None:
        assert (h, w) == size
    blots = sample.gt_point_blots.data
    assert blots.shape == (1, h, w)
    pts = sample.gt_points.points
    assert pts.ndim == 2 and pts.shape[1] == 2
    assert allow_empty or len(pts) > 0
    p = pts.long()
    np.testing.assert_array_equal(blots[0, p[:, 1], p[:, 0]].numpy(),
                                  sample.gt_points.labels.numpy())
    target = sample.gt_sem_seg.data[0]
    np.testing.assert_array_equal(target[p[:, 1], p[:, 0]].numpy(),
                                  sample.gt_points.labels.numpy())
    return len(pts)


# ------------------------------------------------------------------- toy
def test_toy_points_pmp_pipeline(toy_root):
    cfg = config('toy_points_pmp')
    ds_cfg = cfg.train_dataloader.dataset
    types = [t.type for t in ds_cfg.pipeline]
    assert types[:3] == ['LoadImageFromFile', 'LoadWeakAnnotations',
                         'GeneratePointBlots']
    assert ds_cfg.pipeline[2].get('cache_dir') is None
    ds_cfg.data_root = toy_root
    ds = DATASETS.build(ds_cfg)
    directions = set()
    for seed in range(6):
        np.random.seed(seed)
        data = ds[seed % len(ds)]
        check_packed_points_on_blots(data)
        assert max(data['inputs'].shape[1:]) <= 64
        directions.add(data['data_samples'].metainfo['flip_direction'])
    assert {'vertical', 'diagonal'} & directions  # the vertical flip ran


# ----------------------------------------------------------------- CamVid
def test_camvid_points_pmp_config():
    cfg = config('camvid_points_pmp')
    base = config('camvid_weak')
    ds_cfg = cfg.train_dataloader.dataset
    steps = {t.type: t for t in ds_cfg.pipeline}
    gen = steps['GenerateWeakLabelsFromMask']
    assert tuple(gen.background_classes) == (0, 1, 3, 4, 5)
    assert (gen.num_background_points, gen.min_area) == (4, 20)
    assert steps['GeneratePointBlots'].cache_dir == \
        'work_dirs/pmp_blots/camvid'
    assert 'WeakRandomVerticalFlip' in steps
    # the rest is camvid_weak.py's
    assert cfg.val_dataloader == base.val_dataloader
    for key in ('WeakRandomResize', 'WeakRandomCrop', 'WeakRandomFlip'):
        assert steps[key] == {t.type: t
                              for t in base.train_dataloader.dataset.pipeline
                              }[key]
    root = osp.join(REPO, 'data', 'camvid')
    if not osp.isfile(osp.join(root, 'train.txt')):
        pytest.skip('no CamVid data in data/camvid')
    ds_cfg.data_root = root
    ds_cfg.pipeline = [dict(t) for t in ds_cfg.pipeline]
    ds_cfg.pipeline[2]['cache_dir'] = None
    ds_cfg.indices = 2  # the first two images only
    ds = DATASETS.build(ds_cfg)
    np.random.seed(0)
    data = ds[0]
    check_packed_points_on_blots(data, (176, 176))
    # the thing centres and 4 clicks per stuff class, before geometry
    r = GenerateWeakLabelsFromMask(
        background_classes=(0, 1, 3, 4, 5), num_background_points=4,
        min_area=20).generate(ds.get_data_info(0))
    labels = r['gt_points_labels']
    for c in (0, 1, 3, 4, 5):
        assert (labels == c).sum() in (0, 4)
