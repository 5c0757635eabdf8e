from typing import Iterator, Sequence, Tuple

import cv2
import numpy as np


def connected_segments(mask: np.ndarray,
                       ignore_index: int = 255,
                       skip_classes: Sequence[int] = (),
                       min_area: int = 1
                       ) -> Iterator[Tuple[int, np.ndarray, np.ndarray]]:
    """Connected components (8-connectivity) of every class of a label map.

    Args:
        mask (np.ndarray): (H, W) integer label map.
        ignore_index (int): Label that is never a segment.
        skip_classes (Sequence[int]): Classes that are never segments.
        min_area (int): Components smaller than this are left out.

    Yields:
        tuple: ``(label, component mask (H, W) bool, stats)`` where stats is
        ``(x, y, w, h, area)`` of the component's bounding box.
    """
    for label in np.unique(mask):
        if label == ignore_index or label in skip_classes:
            continue
        binary = (mask == label).astype(np.uint8)
        n, comp, stats, _ = cv2.connectedComponentsWithStats(binary, 8)
        for i in range(1, n):
            if stats[i, cv2.CC_STAT_AREA] >= min_area:
                yield int(label), comp == i, stats[i]
