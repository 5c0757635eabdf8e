from typing import Sequence, Tuple

import cv2
import numpy as np

from .components import connected_segments


def innermost_pixel(comp: np.ndarray, dist: np.ndarray = None):
    """(row, col) of a segment's innermost pixel, ties broken towards the
    centroid."""
    if dist is None:
        dist = cv2.distanceTransform(
            np.pad(comp, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    ys, xs = np.nonzero(comp)
    d = dist[ys, xs]
    best = d >= d.max() - 1e-6
    cy, cx = ys.mean(), xs.mean()
    k = np.argmin((ys[best] - cy)**2 + (xs[best] - cx)**2)
    return int(ys[best][k]), int(xs[best][k])


def points_from_mask(mask: np.ndarray,
                     background_classes: Sequence[int] = (),
                     num_background_points: int = 0,
                     min_area: int = 1,
                     ignore_index: int = 255,
                     rng: np.random.Generator = None
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Point labels in the manner of PMP (Akiva & Dana): one click at the
    centre of every object, plus background clicks sampled outside objects.

    The centre of a segment is its innermost pixel (largest distance to the
    segment border; among ties, the one nearest to the centroid), which always
    lies inside the segment, also for concave shapes.

    Args:
        mask (np.ndarray): (H, W) dense label map.
        background_classes (Sequence[int]): Classes that get random
            background clicks instead of centre clicks (e.g. ``(0,)`` on VOC).
        num_background_points (int): Clicks sampled uniformly among the pixels
            of each background class present.
        min_area (int): Segments smaller than this get no click.
        ignore_index (int): Unlabelled value of the mask.
        rng (np.random.Generator): Random source for background clicks.

    Returns:
        tuple: points (N, 2) float32 as (x, y) pixel centres, labels (N,).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    points, labels = [], []
    for label, comp, _ in connected_segments(mask, ignore_index,
                                             background_classes, min_area):
        dist = cv2.distanceTransform(
            np.pad(comp, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
        y, x = innermost_pixel(comp, dist)
        points.append((x + 0.5, y + 0.5))
        labels.append(label)
    for label in background_classes:
        ys, xs = np.nonzero(mask == label)
        if len(ys) == 0 or num_background_points <= 0:
            continue
        pick = rng.choice(len(ys), size=min(num_background_points, len(ys)),
                          replace=False)
        points.extend(zip(xs[pick] + 0.5, ys[pick] + 0.5))
        labels.extend([label] * len(pick))
    return (np.asarray(points, dtype=np.float32).reshape(-1, 2),
            np.asarray(labels, dtype=np.int64))
