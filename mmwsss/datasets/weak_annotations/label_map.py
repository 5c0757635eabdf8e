"""Weak labels stored as label-map PNGs (``ignore_index`` = unlabelled)."""
import cv2
import numpy as np

from .errors import WeakLabelError


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
