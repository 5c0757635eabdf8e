from typing import Sequence, Tuple

import cv2
import numpy as np

from .components import connected_segments


def boxes_from_mask(mask: np.ndarray,
                    background_classes: Sequence[int] = (),
                    min_area: int = 1,
                    ignore_index: int = 255) -> Tuple[np.ndarray, np.ndarray]:
    """One tight box per connected segment of every non-background class.

    Returns:
        tuple: boxes (N, 4) float32 as continuous (x1, y1, x2, y2) (a segment
        covering pixel columns a..b gives x1 = a, x2 = b + 1), labels (N,).
    """
    boxes, labels = [], []
    for label, _, st in connected_segments(mask, ignore_index,
                                           background_classes, min_area):
        x, y = st[cv2.CC_STAT_LEFT], st[cv2.CC_STAT_TOP]
        boxes.append((x, y, x + st[cv2.CC_STAT_WIDTH],
                      y + st[cv2.CC_STAT_HEIGHT]))
        labels.append(label)
    return (np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
            np.asarray(labels, dtype=np.int64))
