import numpy as np
import pytest

from mmwsss.datasets.transforms import (PackWeakSegInputs, WeakRandomCrop,
                                        WeakRandomFlip, WeakRandomResize)
from mmwsss.structures import rasterize_weak_target


def sample(h=24, w=32, n=12, seed=0):
    rng = np.random.default_rng(seed)
    rows, cols = np.divmod(rng.choice(h * w, n, replace=False), w)
    labels = rng.integers(1, 5, n)
    weak = np.full((h, w), 255, np.uint8)
    weak[rows, cols] = labels
    # a point at the centre of each labelled pixel
    points = np.stack([cols + 0.5, rows + 0.5], 1).astype(np.float32)
    return dict(
        img=rng.integers(0, 255, (h, w, 3)).astype(np.uint8),
        img_shape=(h, w), ori_shape=(h, w),
        gt_weak_seg_map=weak, seg_fields=['gt_weak_seg_map'],
        gt_points=points, gt_points_labels=labels,
        gt_bboxes=np.array([[2., 3., 10., 9.], [20., 1., 31., 23.]],
                           np.float32),
        gt_bboxes_labels=np.array([1, 2]))


def assert_points_on_their_pixels(results):
    pts = results['gt_points']
    cols, rows = np.floor(pts).astype(int).T
    np.testing.assert_array_equal(results['gt_weak_seg_map'][rows, cols],
                                  results['gt_points_labels'])


@pytest.mark.parametrize('seed', range(5))
def test_points_stay_on_their_pixels_through_resize_crop_flip(seed):
    np.random.seed(seed)
    results = sample(seed=seed)
    assert_points_on_their_pixels(results)
    results = WeakRandomResize(scale=(64, 48), keep_ratio=True)(results)
    assert results['img'].shape[:2] == (48, 64)
    assert_points_on_their_pixels(results)
    # each labelled pixel became a 2x2 block whose lower-right pixel holds
    # the point
    assert len(results['gt_points']) == (
        results['gt_weak_seg_map'][1::2, 1::2] != 255).sum()
    results = WeakRandomCrop(crop_size=(30, 40))(results)
    assert results['img'].shape[:2] == (30, 40)
    assert_points_on_their_pixels(results)
    results = WeakRandomFlip(prob=1.0)(results)
    assert_points_on_their_pixels(results)


def test_crop_drops_outside_points_and_clips_boxes():
    results = sample()
    crop = WeakRandomCrop(crop_size=(10, 12))
    crop.crop_bbox = lambda r: (5, 15, 4, 16)  # y1, y2, x1, x2
    out = crop(results)
    np.testing.assert_allclose(out['gt_bboxes'], [[0, 0, 6, 4]])
    np.testing.assert_array_equal(out['gt_bboxes_labels'], [1])
    p = out['gt_points']
    assert ((p >= 0) & (p < [12, 10])).all()


def test_flip_boxes_and_swap_labels():
    results = sample()
    weak = np.full((24, 32), 255, np.uint8)
    weak[5, 1] = 2  # a "right hand" on the left
    results['gt_weak_seg_map'] = weak
    results['gt_points'] = np.array([[1.5, 5.5]], np.float32)
    results['gt_points_labels'] = np.array([2])
    out = WeakRandomFlip(prob=1.0, swap_label_pairs=[(3, 2)])(results)
    assert out['gt_weak_seg_map'][5, 30] == 3
    np.testing.assert_allclose(out['gt_points'], [[30.5, 5.5]])
    np.testing.assert_array_equal(out['gt_points_labels'], [3])
    np.testing.assert_allclose(out['gt_bboxes'],
                               [[22, 3, 30, 9], [1, 1, 12, 23]])
    back = WeakRandomFlip(prob=1.0, swap_label_pairs=[(3, 2)])(out)
    assert back['gt_weak_seg_map'][5, 1] == 2
    np.testing.assert_allclose(back['gt_bboxes'],
                               [[2, 3, 10, 9], [20, 1, 31, 23]])


def test_resize_scales_boxes_exactly():
    results = sample()
    out = WeakRandomResize(scale=(64, 48))(results)
    np.testing.assert_allclose(out['gt_bboxes'],
                               [[4, 6, 20, 18], [40, 2, 62, 46]])
    assert out['scale_factor'] == (2.0, 2.0)


def test_rasterize_weak_target_boxes_and_points():
    boxes = np.array([[1, 1, 4, 3], [2, 0, 3, 2]], np.float32)
    t = rasterize_weak_target((4, 6), boxes=boxes, box_labels=np.array([1, 2]),
                              box_background=0,
                              points=np.array([[5.9, 3.2]]),
                              point_labels=np.array([7]))
    U = 255
    np.testing.assert_array_equal(t, [
        [0, 0, U, 0, 0, 0],
        [0, U, U, U, 0, 0],
        [0, U, U, U, 0, 0],
        [0, 0, 0, 0, 0, 7],
    ])
    t = rasterize_weak_target((4, 6), boxes=boxes, box_labels=np.array([1, 2]),
                              box_fill='class', box_background=None)
    np.testing.assert_array_equal(t[:3, :4], [
        [U, U, 2, U],
        [U, 1, 2, 1],
        [U, 1, 1, 1],
    ])


def test_pack_refuses_tags_outside_the_classes():
    results = sample()
    results.update(weak_label='tags', num_classes=5,
                   gt_tags=np.array([1, 5]), img_path='x.png',
                   weak_ann_file='tags.txt', seg_map_path=None,
                   scale_factor=(1., 1.), flip=False, flip_direction=None,
                   reduce_zero_label=False)
    del results['gt_weak_seg_map']
    results['seg_fields'] = []
    with pytest.raises(ValueError,
                       match=r'tags.txt: tags \[1, 5\] of x.png outside'):
        PackWeakSegInputs()(results)


def test_pack_weak_inputs():
    results = sample()
    results.update(weak_label='points', num_classes=5,
                   gt_tags=np.array([1, 4]), img_path='x.png',
                   seg_map_path=None, scale_factor=(1., 1.), flip=False,
                   flip_direction=None, reduce_zero_label=False)
    del results['gt_weak_seg_map']
    results['seg_fields'] = []
    packed = PackWeakSegInputs()(results)
    ds = packed['data_samples']
    target = ds.gt_sem_seg.data[0].numpy()
    cols, rows = np.floor(results['gt_points']).astype(int).T
    np.testing.assert_array_equal(target[rows, cols],
                                  results['gt_points_labels'])
    assert (target != 255).sum() == len(results['gt_points'])
    assert ds.gt_tags.tolist() == [0, 1, 0, 0, 1]
    assert ds.gt_points.points.shape == (len(results['gt_points']), 2)
    assert ds.gt_instances.bboxes.shape == (2, 4)
    assert ds.metainfo['weak_label'] == 'points'
    assert packed['inputs'].shape == (3, 24, 32)


@pytest.mark.parametrize('scale', [(53, 40), (47, 35), (77, 58)])
def test_points_stay_on_their_pixels_at_fractional_scales(scale):
    results = sample(seed=sum(scale))
    out = WeakRandomResize(scale=scale, keep_ratio=True)(results)
    assert out['img'].shape[1] == scale[0]
    assert_points_on_their_pixels(out)
    # points stay at pixel centres, within a pixel of the continuous mapping
    pts = out['gt_points']
    np.testing.assert_allclose(pts % 1, 0.5)
    sx, sy = out['scale_factor']
    src = (results_pts := sample(seed=sum(scale))['gt_points'])
    assert np.abs(pts - src * np.array([sx, sy])).max() <= 1.0
