"""Point clicks in the "What's the point" JSON format (Bearman et al., 2016).

One JSON object per file: ``{image_id: [{"x": float, "y": float, "cls": int,
"rank": int}, ...], ...}``; ``cls`` is the class index (0 = background clicks,
1..20 the VOC objects), ``x``/``y`` pixel coordinates in the original image.
Object and background clicks usually come in two files; both are merged.
"""
import json
from typing import Dict, Sequence, Tuple

import numpy as np

from .errors import WeakLabelError


def load_whats_the_point(
        files: Sequence[str],
        num_classes: int) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Read and merge "What's the point" files.

    Args:
        files (Sequence[str]): JSON files, merged in order.
        num_classes (int): Valid ``cls`` values are ``0 .. num_classes - 1``.

    Returns:
        dict: image id -> (points (N, 2) float32 as (x, y), labels (N,) int64).
    """
    merged: Dict[str, list] = {}
    for path in files:
        try:
            with open(path, encoding='utf-8') as f:
                content = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise WeakLabelError(f'{path}: cannot read point JSON ({e})') from e
        if not isinstance(content, dict):
            raise WeakLabelError(
                f'{path}: expected an object {{image_id: [clicks]}}, got '
                f'{type(content).__name__}')
        for image_id, clicks in content.items():
            if not isinstance(clicks, list):
                raise WeakLabelError(
                    f'{path}: image {image_id}: expected a list of clicks')
            rows = merged.setdefault(image_id, [])
            for click in clicks:
                try:
                    x, y, cls = float(click['x']), float(click['y']), click['cls']
                except (KeyError, TypeError, ValueError) as e:
                    raise WeakLabelError(
                        f'{path}: image {image_id}: malformed click {click!r} '
                        f'(needs numeric x, y and an integer cls)') from e
                if (not isinstance(cls, int) or isinstance(cls, bool)
                        or not 0 <= cls < num_classes):
                    raise WeakLabelError(
                        f'{path}: image {image_id}: class {cls!r} out of range '
                        f'0..{num_classes - 1}')
                if not (np.isfinite(x) and np.isfinite(y)):
                    raise WeakLabelError(
                        f'{path}: image {image_id}: non-finite click {click!r}')
                rows.append((x, y, cls))
    out = {}
    for image_id, rows in merged.items():
        arr = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
        out[image_id] = (arr[:, :2].astype(np.float32),
                         arr[:, 2].astype(np.int64))
    return out
