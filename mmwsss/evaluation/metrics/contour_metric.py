"""Region similarity J, contour quality F and J&F (HFPL, Jonnarth et al.).

F is the DAVIS boundary F-measure: the boundaries of the predicted and the
ground-truth mask are matched within a tolerance of ``bound_th`` times the
image diagonal (by morphological dilation), giving boundary precision and
recall. For semantic segmentation it is computed per image and class, on the
one-vs-rest masks of every class present in the prediction or the ground
truth, averaged over the images of each class and then over the classes.
J is mmseg's mIoU over the dataset (:class:`mmseg.evaluation.IoUMetric`), and
J&F the mean of J and F.
"""
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.logging import print_log
from mmseg.evaluation import IoUMetric

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
    radius = int(bound_th) if bound_th >= 1 else int(
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
class ContourMetric(IoUMetric):
    """mmseg's :class:`~mmseg.evaluation.IoUMetric` plus the DAVIS boundary
    F-score: ``F`` and ``J&F`` in percent, with ``J``, the mIoU, repeated
    under its DAVIS name.

    The results are IoUMetric's (``aAcc``, ``mIoU``, ``mAcc``, and ``mDice``
    / ``mFscore`` ... as ``iou_metrics`` asks) and ``J``, ``F``, ``J&F``, so a
    config needs this metric alone::

        val_evaluator = dict(type='ContourMetric', iou_metrics=['mIoU'])

    Args:
        bound_th (float): Boundary tolerance (see :func:`boundary_f_score`).
            Defaults to 0.008.
        ignore_index (int): Ground-truth value left out. Defaults to 255.
        iou_metrics (list[str]): As IoUMetric's; must contain ``'mIoU'``
            (J). Defaults to ``['mIoU']``.
        **kwargs: IoUMetric's other arguments (``nan_to_num``, ``beta``,
            ``collect_device``, ``output_dir``, ``format_only``, ``prefix``).
    """

    def __init__(self, bound_th: float = 0.008, ignore_index: int = 255,
                 iou_metrics: Sequence[str] = ('mIoU', ), **kwargs) -> None:
        if isinstance(iou_metrics, str):
            iou_metrics = [iou_metrics]
        if 'mIoU' not in iou_metrics:
            raise ValueError("ContourMetric: iou_metrics must contain 'mIoU' "
                             f'(J is the mIoU), got {list(iou_metrics)}')
        if bound_th <= 0:
            raise ValueError(f'ContourMetric: bound_th must be > 0, got '
                             f'{bound_th}')
        super().__init__(ignore_index=ignore_index,
                         iou_metrics=list(iou_metrics), **kwargs)
        self.bound_th = bound_th

    def boundary_f_per_class(self, pred: np.ndarray, gt: np.ndarray,
                             num_classes: int):
        """Per-class F sums and counts of one image.

        Args:
            pred (np.ndarray): (H, W) predicted labels.
            gt (np.ndarray): (H, W) ground truth, ``ignore_index`` left out.
            num_classes (int): Number of classes.

        Returns:
            tuple: (num_classes,) float64 F sums and (num_classes,) counts
            (1 for every class present in the prediction or the ground truth
            of the labelled pixels).
        """
        valid = gt != self.ignore_index
        f_sum = np.zeros(num_classes)
        f_cnt = np.zeros(num_classes)
        present = np.union1d(np.unique(pred[valid]), np.unique(gt[valid]))
        for c in present[(present >= 0) & (present < num_classes)]:
            f_sum[c] = boundary_f_score(pred == c, gt == c, self.bound_th,
                                        valid)
            f_cnt[c] = 1
        return f_sum, f_cnt

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """IoUMetric's per-image areas, each extended by the image's per-class
        F sums and counts."""
        start = len(self.results)
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        num_classes = len(self.dataset_meta['classes'])
        for k, sample in enumerate(data_samples):
            pred = sample['pred_sem_seg']['data'].squeeze().cpu().numpy()
            gt = sample['gt_sem_seg']['data'].squeeze().cpu().numpy()
            f = self.boundary_f_per_class(pred, gt, num_classes)
            self.results[start + k] = tuple(self.results[start + k]) + f

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """IoUMetric's metrics, then J (= mIoU), F and J&F."""
        metrics = super().compute_metrics([r[:4] for r in results])
        if self.format_only:
            return metrics
        f_sum = np.sum([r[4] for r in results], axis=0)
        f_cnt = np.sum([r[5] for r in results], axis=0)
        f = np.where(f_cnt > 0, f_sum / np.maximum(f_cnt, 1), np.nan)
        f_mean = float(np.nanmean(f)) * 100 if (f_cnt > 0).any() else 0.0
        j_mean = float(metrics['mIoU'])
        metrics['J'] = round(j_mean, 2)
        metrics['F'] = round(f_mean, 2)
        metrics['J&F'] = round((j_mean + f_mean) / 2, 2)
        rows = [f'{name:>14s}  F {f[i] * 100:6.2f}'
                for i, name in enumerate(self.dataset_meta['classes'])]
        print_log('per-class boundary F:\n' + '\n'.join(rows),
                  logger='current')
        return metrics
