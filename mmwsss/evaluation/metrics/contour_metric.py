"""Region similarity J, contour quality F and J&F (HFPL, Jonnarth et al.).

F is the DAVIS boundary F-measure: the boundaries of the predicted and the
ground-truth mask are matched within a tolerance of ``bound_th`` times the
image diagonal (by morphological dilation), giving boundary precision and
recall. For semantic segmentation it is computed per image and class, on the
one-vs-rest masks of every class present in the prediction or the ground
truth, averaged over the images of each class and then over the classes.
J is the mIoU over the dataset, and J&F their mean.
"""
from collections import OrderedDict
from typing import Optional, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmwsss.registry import METRICS


def seg2bmap(seg: np.ndarray) -> np.ndarray:
    """Boundary map of a binary mask (a pixel differing from its east, south
    or south-east neighbour), as in the DAVIS benchmark."""
    seg = seg.astype(bool)
    e = np.zeros_like(seg)
    s = np.zeros_like(seg)
    se = np.zeros_like(seg)
    e[:, :-1] = seg[:, 1:]
    s[:-1, :] = seg[1:, :]
    se[:-1, :-1] = seg[1:, 1:]
    b = (seg ^ e) | (seg ^ s) | (seg ^ se)
    b[-1, :] = seg[-1, :] ^ e[-1, :]
    b[:, -1] = seg[:, -1] ^ s[:, -1]
    b[-1, -1] = False
    return b


def boundary_f_score(pred: np.ndarray, gt: np.ndarray,
                     bound_th: float = 0.008,
                     valid: Optional[np.ndarray] = None) -> float:
    """The DAVIS boundary F-measure of two binary masks.

    Args:
        pred (np.ndarray): (H, W) binary prediction.
        gt (np.ndarray): (H, W) binary ground truth.
        bound_th (float): Tolerance; < 1 is a fraction of the image diagonal,
            >= 1 a number of pixels. Defaults to 0.008.
        valid (np.ndarray, optional): (H, W) bool; boundary pixels outside it
            are not counted.

    Returns:
        float: F in [0, 1].
    """
    h, w = gt.shape
    radius = bound_th if bound_th >= 1 else int(
        np.ceil(bound_th * np.hypot(h, w)))
    pred_b = seg2bmap(pred)
    gt_b = seg2bmap(gt)
    if valid is not None:
        pred_b &= valid
        gt_b &= valid
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                     (2 * radius + 1, 2 * radius + 1))
    pred_dil = cv2.dilate(pred_b.astype(np.uint8), disk).astype(bool)
    gt_dil = cv2.dilate(gt_b.astype(np.uint8), disk).astype(bool)
    n_pred, n_gt = pred_b.sum(), gt_b.sum()
    if n_pred == 0 and n_gt == 0:
        return 1.0
    if n_pred == 0 or n_gt == 0:
        return 0.0
    precision = (pred_b & gt_dil).sum() / n_pred
    recall = (gt_b & pred_dil).sum() / n_gt
    if precision + recall == 0:
        return 0.0
    return float(2 * precision * recall / (precision + recall))


@METRICS.register_module()
class ContourMetric(BaseMetric):
    """J (mIoU), F (boundary F-score) and J&F, in percent.

    Args:
        ignore_index (int): Ground-truth value left out. Defaults to 255.
        bound_th (float): Boundary tolerance (see :func:`boundary_f_score`).
        collect_device (str): As mmengine's ``BaseMetric``.
        prefix (str, optional): As mmengine's ``BaseMetric``.
    """

    def __init__(self, ignore_index: int = 255, bound_th: float = 0.008,
                 collect_device: str = 'cpu', prefix: Optional[str] = None,
                 **kwargs):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_index = ignore_index
        self.bound_th = bound_th

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze().cpu().numpy()
            gt = sample['gt_sem_seg']['data'].squeeze().cpu().numpy()
            valid = gt != self.ignore_index
            inter = np.bincount(gt[valid & (pred == gt)],
                                minlength=num_classes)[:num_classes]
            area_pred = np.bincount(pred[valid], minlength=num_classes)[
                :num_classes]
            area_gt = np.bincount(gt[valid], minlength=num_classes)[
                :num_classes]
            f_sum = np.zeros(num_classes)
            f_cnt = np.zeros(num_classes)
            for c in np.union1d(np.unique(pred[valid]), np.unique(gt[valid])):
                if c >= num_classes:
                    continue
                f_sum[c] += boundary_f_score(pred == c, gt == c,
                                             self.bound_th, valid)
                f_cnt[c] += 1
            self.results.append((inter, area_pred, area_gt, f_sum, f_cnt))

    def compute_metrics(self, results: list) -> dict:
        inter, area_pred, area_gt, f_sum, f_cnt = (
            np.sum([r[i] for r in results], axis=0) for i in range(5))
        union = area_pred + area_gt - inter
        present = union > 0
        iou = np.where(present, inter / np.maximum(union, 1), np.nan)
        f = np.where(f_cnt > 0, f_sum / np.maximum(f_cnt, 1), np.nan)
        j_mean = float(np.nanmean(iou)) * 100
        f_mean = float(np.nanmean(f)) * 100
        metrics = OrderedDict(J=round(j_mean, 2), F=round(f_mean, 2))
        metrics['J&F'] = round((j_mean + f_mean) / 2, 2)
        rows = [f'{name:>14s}  J {iou[i] * 100:6.2f}  F {f[i] * 100:6.2f}'
                for i, name in enumerate(self.dataset_meta['classes'])]
        print_log('per-class J / F:\n' + '\n'.join(rows), logger='current')
        return metrics
