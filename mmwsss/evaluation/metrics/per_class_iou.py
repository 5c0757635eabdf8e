from typing import Dict, Optional, Sequence

import numpy as np


def per_class_iou(results: Sequence[tuple],
                  classes: Sequence[str]) -> Dict[str, Optional[float]]:
    """Per-class IoU (in %, 2 decimals) of the results that mmseg's
    :class:`~mmseg.evaluation.IoUMetric` (or a subclass) collects.

    Args:
        results (Sequence[tuple]): ``IoUMetric.results``: per image, the
            areas of intersection, union, prediction and label per class.
        classes (Sequence[str]): The class names, in index order.

    Returns:
        dict: class name -> IoU summed over the images, or None for a class
        that is neither predicted nor labelled in any image.
    """
    inter = np.sum([r[0].numpy() for r in results], 0)
    union = np.sum([r[1].numpy() for r in results], 0)
    return {
        name: round(float(i / u) * 100, 2) if u > 0 else None
        for name, i, u in zip(classes, inter, union)
    }
