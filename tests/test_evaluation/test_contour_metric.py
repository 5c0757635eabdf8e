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
    # shifted by 1 px: inside a 1 px tolerance, outside a 0 px one
    shifted = np.roll(gt, 1, axis=1)
    assert boundary_f_score(shifted, gt, bound_th=1) == 1.0
    f0 = boundary_f_score(shifted, gt, bound_th=0.0001)  # radius 1 at 40x40
    assert f0 == 1.0
    # the 20x20 square against a 10x10 one inside, with 1 px tolerance:
    small = np.zeros_like(gt)
    small[15:25, 15:25] = True
    b_gt, b_small = seg2bmap(gt).sum(), seg2bmap(small).sum()
    assert (b_gt, b_small) == (80, 40)  # 4 * 20, 4 * 10 boundary pixels
    assert boundary_f_score(small, gt, bound_th=1) == 0.0  # 5 px apart
    assert boundary_f_score(np.zeros_like(gt), np.zeros_like(gt)) == 1.0


def _sample(pred, gt):
    return dict(pred_sem_seg=dict(data=torch.as_tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.as_tensor(gt)[None]))


def test_metric_j_f_and_jf():
    metric = ContourMetric(bound_th=1)
    metric.dataset_meta = dict(classes=('bg', 'a', 'b'))
    gt = np.zeros((20, 20), np.int64)
    gt[5:15, 5:15] = 1
    gt[0, :] = 255
    pred = gt.copy()
    pred[pred == 255] = 2  # ignored pixels do not count
    metric.process(None, [_sample(pred, gt)])
    pred2 = np.zeros_like(gt)  # misses class 1 entirely
    metric.process(None, [_sample(pred2, gt)])
    res = metric.compute_metrics(metric.results)
    valid = gt != 255
    n_bg = (gt[valid] == 0).sum()
    n_a = (gt == 1).sum()
    iou_bg = 2 * n_bg / (2 * n_bg + n_a)  # image 2 predicts bg over class a
    iou_a = n_a / (2 * n_a)
    assert abs(res['J'] - 100 * (iou_bg + iou_a) / 2) < 0.01
    # F: bg 1 (image 1) and 0 (image 2); class a 1 and 0 -> 0.5 each
    assert abs(res['F'] - 50.0) < 0.01
    assert abs(res['J&F'] - (res['J'] + res['F']) / 2) < 0.011
