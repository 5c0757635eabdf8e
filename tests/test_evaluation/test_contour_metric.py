import numpy as np
import torch

from mmwsss.evaluation import ContourMetric, boundary_f_score, seg2bmap


def test_seg2bmap_hand_worked():
    seg = np.zeros((4, 4), bool)
    seg[:2, :2] = True
    expected = np.zeros((4, 4), bool)
    expected[0, 1] = expected[1, 0] = expected[1, 1] = True
    np.testing.assert_array_equal(seg2bmap(seg), expected)


def test_boundary_f_cases():
    gt = np.zeros((40, 40), bool)
    gt[10:30, 10:30] = True
    assert boundary_f_score(gt, gt) == 1.0
    far = np.zeros_like(gt)
    far[0:5, 35:40] = True
    assert boundary_f_score(far, gt) == 0.0
    # shifted by 1 px: inside a 1 px tolerance
    shifted = np.roll(gt, 1, axis=1)
    assert boundary_f_score(shifted, gt, bound_th=1) == 1.0
    # any fraction of the diagonal rounds up to at least 1 px
    f0 = boundary_f_score(shifted, gt, bound_th=0.0001)
    assert f0 == 1.0
    # the 20x20 square against a 10x10 one inside, with 1 px tolerance:
    small = np.zeros_like(gt)
    small[15:25, 15:25] = True
    b_gt, b_small = seg2bmap(gt).sum(), seg2bmap(small).sum()
    assert (b_gt, b_small) == (80, 40)  # 4 * 20, 4 * 10 boundary pixels
    assert boundary_f_score(small, gt, bound_th=1) == 0.0  # 5 px apart
    assert boundary_f_score(np.zeros_like(gt), np.zeros_like(gt)) == 1.0


def brute_force_f(pred, gt, radius):
    """Boundary F by pairwise distances: a boundary pixel is matched when a
    boundary pixel of the other mask lies within ``radius`` (Euclidean)."""
    bp = np.argwhere(seg2bmap(pred)).astype(float)
    bg = np.argwhere(seg2bmap(gt)).astype(float)
    d2 = ((bp[:, None] - bg[None]) ** 2).sum(-1)
    precision = (d2.min(1) <= radius**2).mean()
    recall = (d2.min(0) <= radius**2).mean()
    return 2 * precision * recall / (precision + recall)


def test_boundary_f_partial_match_against_brute_force():
    gt = np.zeros((40, 40), bool)
    gt[10:30, 10:30] = True
    # 2 px to the right: the vertical edges are 2 px apart (unmatched at
    # radius 1, matched at radius 2), the horizontal ones mostly overlap
    shifted = np.roll(gt, 2, axis=1)
    f1 = boundary_f_score(shifted, gt, bound_th=1)
    assert 0.3 < f1 < 0.9
    assert abs(f1 - brute_force_f(shifted, gt, 1)) < 1e-12
    assert boundary_f_score(shifted, gt, bound_th=2) == 1.0
    # a fraction of the diagonal: ceil(0.03 * 56.6) = 2 px
    assert boundary_f_score(shifted, gt, bound_th=0.03) == 1.0
    assert boundary_f_score(shifted, gt, bound_th=0.015) == f1  # 1 px


def _sample(pred, gt, **extra):
    return dict(pred_sem_seg=dict(data=torch.as_tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.as_tensor(gt)[None]), **extra)


def two_images():
    """Image 1 predicted right (its ignored row predicted as class b), image
    2 predicted all background."""
    gt = np.zeros((20, 20), np.int64)
    gt[5:15, 5:15] = 1
    gt[0, :] = 255
    pred = gt.copy()
    pred[pred == 255] = 2  # ignored pixels do not count
    return gt, pred, np.zeros_like(gt)


def test_metric_j_f_and_jf():
    metric = ContourMetric(bound_th=1)
    metric.dataset_meta = dict(classes=('bg', 'a', 'b'))
    gt, pred, pred2 = two_images()
    metric.process(None, [_sample(pred, gt)])
    metric.process(None, [_sample(pred2, gt)])
    res = metric.compute_metrics(metric.results)
    valid = gt != 255
    n_bg = (gt[valid] == 0).sum()
    n_a = (gt == 1).sum()
    iou_bg = 2 * n_bg / (2 * n_bg + n_a)  # image 2 predicts bg over class a
    iou_a = n_a / (2 * n_a)
    # class b: neither predicted on labelled pixels nor in the ground truth
    miou = 100 * (iou_bg + iou_a) / 2
    assert abs(res['mIoU'] - miou) < 0.01
    assert res['J'] == res['mIoU']
    # aAcc: correct labelled pixels / labelled pixels; mAcc: per-class recall
    assert abs(res['aAcc'] - 100 * (2 * n_bg + n_a) / (2 * valid.sum())) \
        < 0.01
    assert abs(res['mAcc'] - 100 * (1.0 + 0.5) / 2) < 0.01
    # F: bg 1 (image 1) and 0 (image 2); class a 1 and 0 -> 0.5 each
    assert abs(res['F'] - 50.0) < 0.01
    assert abs(res['J&F'] - (miou + 50.0) / 2) < 0.006


def test_f_averages_over_the_images_of_each_class():
    """Class b appears in image 2 only: its F is that image's, not a mean
    with zeros for the images without it."""
    metric = ContourMetric(bound_th=1)
    metric.dataset_meta = dict(classes=('bg', 'a', 'b'))
    gt1 = np.zeros((20, 20), np.int64)
    gt1[5:15, 5:15] = 1
    gt2 = np.zeros((20, 20), np.int64)
    gt2[2:8, 2:8] = 2
    pred2 = np.zeros_like(gt2)
    pred2[2:8, 12:18] = 2  # class b predicted 10 px off: boundary F 0
    metric.process(None, [_sample(gt1, gt1), _sample(pred2, gt2)])
    res = metric.compute_metrics(metric.results)
    # bg: F 1 (image 1) and 0 (image 2: the boundaries are 10 px apart);
    # a: 1 (image 1 only); b: 0 (image 2 only)
    f_bg = (1.0 + boundary_f_score(pred2 == 0, gt2 == 0, 1)) / 2
    assert boundary_f_score(pred2 == 0, gt2 == 0, 1) == 0.0
    assert abs(res['F'] - 100 * (f_bg + 1.0 + 0.0) / 3) < 0.01
    # IoU: bg inter 300 + 328 (400 - 36 - 36), union 300 + 400; a 1; b 0
    iou_bg = (300 + 328) / (300 + 400)
    assert abs(res['mIoU'] - 100 * (iou_bg + 1.0 + 0.0) / 3) < 0.01


def test_built_from_a_config_alone_with_iou_metric_options(tmp_path):
    """``dict(type='ContourMetric', iou_metrics=[...])`` replaces IoUMetric:
    the evaluator reports IoUMetric's results (mDice too when asked), J, F
    and J&F, and IoUMetric's ``output_dir`` still writes the predictions."""
    from mmengine.evaluator import Evaluator
    out_dir = tmp_path / 'preds'
    evaluator = Evaluator(dict(type='ContourMetric',
                               iou_metrics=['mIoU', 'mDice'], bound_th=1,
                               output_dir=str(out_dir)))
    evaluator.dataset_meta = dict(classes=('bg', 'a', 'b'))
    gt, pred, pred2 = two_images()
    evaluator.process([_sample(pred, gt, img_path='x/one.jpg'),
                       _sample(pred2, gt, img_path='x/two.jpg')])
    res = evaluator.evaluate(2)
    assert set(res) == {'aAcc', 'mIoU', 'mAcc', 'mDice', 'J', 'F', 'J&F'}
    n_bg, n_a = (gt == 0).sum(), (gt == 1).sum()
    dice_bg = 2 * 2 * n_bg / (2 * n_bg + (2 * n_bg + n_a))
    dice_a = 2 * n_a / (n_a + 2 * n_a)
    assert abs(res['mDice'] - 100 * (dice_bg + dice_a) / 2) < 0.01
    assert sorted(p.name for p in out_dir.iterdir()) == ['one.png',
                                                         'two.png']


def test_j_needs_miou():
    import pytest
    with pytest.raises(ValueError, match="iou_metrics must contain 'mIoU'"):
        ContourMetric(iou_metrics=['mDice'])
    with pytest.raises(ValueError, match='bound_th must be > 0'):
        ContourMetric(bound_th=0)


def test_per_class_iou_hand_worked():
    """Two images, three classes: intersections and unions add up over the
    images before the division; a class absent everywhere gives None."""
    from mmseg.evaluation import IoUMetric

    from mmwsss.evaluation import per_class_iou
    metric = IoUMetric()
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    gt1 = np.array([[0, 0, 1, 1]])
    pred1 = np.array([[0, 1, 1, 1]])  # a: 1/2, b: 2/3
    gt2 = np.array([[0, 0, 0, 0]])
    pred2 = np.array([[0, 0, 0, 1]])  # a: 3/4, b: 0/1
    metric.process(None, [_sample(pred1, gt1), _sample(pred2, gt2)])
    got = per_class_iou(metric.results, ('a', 'b', 'c'))
    # a: (1 + 3) / (2 + 4); b: (2 + 0) / (3 + 1); c: never seen
    assert got == {'a': round(400 / 6, 2), 'b': 50.0, 'c': None}
