"""Boxes in continuous pixel coordinates.

Pixel ``(row i, column j)`` covers ``[j, j + 1) x [i, i + 1)``; a box is
``(x1, y1, x2, y2)`` in these coordinates.
"""
import numpy as np


def box_pixel_ranges(boxes: np.ndarray) -> np.ndarray:
    """Integer pixel ranges ``(c1, r1, c2, r2)`` (end exclusive) of boxes.

    Pixel ``j`` is inside a box when its centre ``j + 0.5`` lies in
    ``[x1, x2)`` (and likewise for rows).

    Args:
        boxes (np.ndarray): (N, 4) boxes ``(x1, y1, x2, y2)``.

    Returns:
        np.ndarray: (N, 4) int64 ranges.
    """
    return np.ceil(np.asarray(boxes, np.float64).reshape(-1, 4) -
                   0.5).astype(np.int64)


def box_area_order(boxes: np.ndarray) -> np.ndarray:
    """Indices of boxes from the largest to the smallest area (stable).

    Args:
        boxes (np.ndarray): (N, 4) boxes ``(x1, y1, x2, y2)``.

    Returns:
        np.ndarray: (N,) int64 indices.
    """
    boxes = np.asarray(boxes).reshape(-1, 4)
    return np.argsort(-(boxes[:, 2] - boxes[:, 0]) *
                      (boxes[:, 3] - boxes[:, 1]), kind='stable')
