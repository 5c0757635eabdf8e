"""Weak labels stored as label-map PNGs (``ignore_index`` = unlabelled)."""
from concurrent.futures import ThreadPoolExecutor
from typing import List

import cv2
import numpy as np

from mmwsss.registry import WEAK_ANNOTATIONS
from .base import BaseWeakAnnotation
from .errors import EmptyWeakAnnotation, WeakLabelError


def load_label_map(path: str, num_classes: int,
                   ignore_index: int = 255) -> np.ndarray:
    """Read a single-channel label PNG and check its values.

    Args:
        path (str): The PNG file.
        num_classes (int): Valid labels are ``0 .. num_classes - 1``.
        ignore_index (int): The value of unlabelled pixels. Defaults to 255.

    Returns:
        np.ndarray: (H, W) uint8 label map.
    """
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if label is None:
        raise WeakLabelError(f'{path}: cannot read label map')
    if label.ndim != 2:
        raise WeakLabelError(
            f'{path}: label map must have one channel, got shape {label.shape}')
    values = np.unique(label)
    bad = values[(values != ignore_index) & (values >= num_classes)]
    if bad.size:
        raise WeakLabelError(
            f'{path}: label values {bad.tolist()} out of range 0..'
            f'{num_classes - 1} (unlabelled = {ignore_index})')
    return label.astype(np.uint8)


def points_from_label_map(label_map: np.ndarray, ignore_index: int = 255):
    """Every labelled pixel of a point label map as a point at its centre.

    Returns:
        tuple: points (N, 2) float32 as (x, y), labels (N,) int64.
    """
    ys, xs = np.nonzero(label_map != ignore_index)
    points = np.stack([xs + 0.5, ys + 0.5], axis=1).astype(np.float32)
    return points, label_map[ys, xs].astype(np.int64)


@WEAK_ANNOTATIONS.register_module(name=['LabelMap', 'label_map'])
class LabelMap(BaseWeakAnnotation):
    """Label PNGs, one per image, ``ignore_index`` = unlabelled.

    They hold clicks, strokes, DensePose keypoint labels, or the CAM
    pseudo-labels of tags and boxes (``tools/cams_to_pseudo_labels.py``).
    Every map is read once when the dataset is built (by a pool of threads),
    so that missing, malformed and empty maps are found then: for points the
    record holds the labelled pixels as clicks, for the other kinds the path.

    Args:
        dir (str): Folder of the PNGs, relative to ``data_root``.
        suffix (str): File suffix. Defaults to ``'.png'``.
        ignore_index (int): Unlabelled value. Defaults to 255.
        num_threads (int): Readers at init. Defaults to 8.
        **kwargs: Arguments of :class:`BaseWeakAnnotation`.
    """
    provides = ('points', 'scribbles', 'densepose', 'tags', 'boxes')

    def __init__(self, dir: str, suffix: str = '.png',
                 ignore_index: int = 255, num_threads: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.dir, self.suffix = dir, suffix
        self.ignore_index = ignore_index
        self.num_threads = num_threads
        self._records = {}

    def _read(self, info: dict):
        try:
            path = self.per_image_file(info, self.dir, self.suffix)
            label = load_label_map(path, self.num_classes, self.ignore_index)
            if (label == self.ignore_index).all():
                raise EmptyWeakAnnotation(
                    f'{path}: label map has no labelled pixel')
        except WeakLabelError as e:
            return e
        if self.weak_label == 'points':
            points, labels = points_from_label_map(label, self.ignore_index)
            return dict(points=points, point_labels=labels,
                        weak_ann_file=path)
        return dict(weak_seg_map_path=path, weak_ann_file=path)

    def prepare(self, data_list: List[dict], pipeline=None) -> None:
        with ThreadPoolExecutor(max(1, self.num_threads)) as pool:
            records = list(pool.map(self._read, data_list))
        self._records = {
            info['img_path']: r
            for info, r in zip(data_list, records)
        }

    def load(self, info: dict) -> dict:
        record = self._records.get(info['img_path'])
        if record is None:
            record = self._read(info)
        if isinstance(record, Exception):
            raise record
        return record
