"""The per-pixel training target of a weak annotation."""
from typing import Optional

import cv2
import numpy as np

from .boxes import box_area_order, box_pixel_ranges


def rasterize_weak_target(shape, weak_map=None, points=None, point_labels=None,
                          boxes=None, box_labels=None, point_radius=0,
                          box_fill='ignore', box_background: Optional[int] = 0,
                          ignore_index=255) -> np.ndarray:
    """The per-pixel training target of a weak annotation.

    Starts from ``weak_map`` (or all ``ignore_index``). Boxes: pixels outside
    every box become ``box_background`` (unless None) where still unlabelled;
    with ``box_fill='class'`` the pixels inside take the box label, smaller
    boxes over larger ones. Points are drawn last, as disks of
    ``point_radius`` (0 = the single pixel under the point).

    Returns:
        np.ndarray: (H, W) uint8.
    """
    h, w = shape
    if weak_map is not None:
        target = weak_map.copy()
    else:
        target = np.full((h, w), ignore_index, np.uint8)
    if boxes is not None:
        inside = np.zeros((h, w), bool)
        ranges = box_pixel_ranges(boxes)
        for k in box_area_order(boxes):
            c1, r1, c2, r2 = ranges[k]
            inside[r1:r2, c1:c2] = True
            if box_fill == 'class':
                target[r1:r2, c1:c2] = box_labels[k]
        if box_background is not None:
            target[~inside & (target == ignore_index)] = box_background
    if points is not None and len(points):
        cols = np.clip(np.floor(points[:, 0]).astype(int), 0, w - 1)
        rows = np.clip(np.floor(points[:, 1]).astype(int), 0, h - 1)
        if point_radius <= 0:
            target[rows, cols] = point_labels
        else:
            for r, c, lab in zip(rows, cols, point_labels):
                cv2.circle(target, (int(c), int(r)), point_radius, int(lab), -1)
    return target
