"""Point clicks in the "What's the point" JSON format (Bearman et al., 2016).

One JSON object per file: ``{image_id: [{"x": float, "y": float, "cls": int,
"rank": int}, ...], ...}``; ``cls`` is the class index (0 = background clicks,
1..20 the VOC objects), ``x``/``y`` pixel coordinates in the original image.
Object and background clicks usually come in two files; both are merged.

The public files hold clicks that lie outside their image (x up to 1198 on
VOC images of at most 500 pixels): :func:`drop_clicks_outside` removes them
and reports, per file, how many and in which images.
"""
import json
import warnings
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np
from mmwsss.registry import WEAK_ANNOTATIONS
from mmwsss.utils.io import image_size
from .base import BaseWeakAnnotation
from .errors import EmptyWeakAnnotation, WeakLabelError

Clicks = Dict[str, Tuple[np.ndarray, np.ndarray]]


def read_whats_the_point_file(path: str, num_classes: int) -> Clicks:
    """Read one "What's the point" file.

    Args:
        path (str): The JSON file.
        num_classes (int): Valid ``cls`` values are ``0 .. num_classes - 1``.

    Returns:
        dict: image id -> (points (N, 2) float32 as (x, y), labels (N,)
        int64).
    """
    try:
        with open(path, encoding='utf-8') as f:
            content = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise WeakLabelError(f'{path}: cannot read point JSON ({e})') from e
    if not isinstance(content, dict):
        raise WeakLabelError(
            f'{path}: expected an object {{image_id: [clicks]}}, got '
            f'{type(content).__name__}')
    out = {}
    for image_id, clicks in content.items():
        if not isinstance(clicks, list):
            raise WeakLabelError(
                f'{path}: image {image_id}: expected a list of clicks')
        rows = []
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
        arr = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
        out[image_id] = (arr[:, :2].astype(np.float32),
                         arr[:, 2].astype(np.int64))
    return out


def merge_clicks(per_file: Sequence[Clicks]) -> Clicks:
    """Concatenate the clicks of several files, image by image, in order."""
    merged: Dict[str, List[Tuple[np.ndarray, np.ndarray]]] = {}
    for clicks in per_file:
        for image_id, value in clicks.items():
            merged.setdefault(image_id, []).append(value)
    return {
        image_id: (np.concatenate([p for p, _ in parts]),
                   np.concatenate([lab for _, lab in parts]))
        for image_id, parts in merged.items()
    }


def load_whats_the_point(files: Sequence[str], num_classes: int) -> Clicks:
    """Read and merge "What's the point" files.

    Args:
        files (Sequence[str]): JSON files, merged in order.
        num_classes (int): Valid ``cls`` values are ``0 .. num_classes - 1``.

    Returns:
        dict: image id -> (points (N, 2) float32 as (x, y), labels (N,) int64).
    """
    return merge_clicks(
        [read_whats_the_point_file(f, num_classes) for f in files])


def drop_clicks_outside(clicks: Clicks, sizes: Mapping[str, Tuple[int, int]],
                        path: str, on_outside: str = 'drop') -> Clicks:
    """Remove the clicks that lie outside their image.

    A click ``(x, y)`` is inside a ``w x h`` image when ``0 <= x < w`` and
    ``0 <= y < h``. Images missing from ``sizes`` are left as they are.

    Args:
        clicks (dict): One file's clicks (see :func:`read_whats_the_point_file`).
        sizes (Mapping): image id -> (height, width).
        path (str): The file, named in the warning or the error.
        on_outside (str): ``'drop'``: remove them with one warning that counts
            them and names the images; ``'error'``: raise
            :class:`WeakLabelError` at the first one.

    Returns:
        dict: The clicks inside their images (images left without clicks keep
        empty arrays).
    """
    if on_outside not in ('drop', 'error'):
        raise ValueError(f"on_outside must be 'drop' or 'error', got "
                         f'{on_outside!r}')
    out, dropped = {}, {}
    for image_id, (points, labels) in clicks.items():
        if image_id not in sizes:
            out[image_id] = (points, labels)
            continue
        h, w = sizes[image_id]
        inside = ((points[:, 0] >= 0) & (points[:, 0] < w) &
                  (points[:, 1] >= 0) & (points[:, 1] < h))
        if not inside.all():
            if on_outside == 'error':
                x, y = points[np.argmin(inside)]
                raise WeakLabelError(
                    f'{path}: click ({x:.1f}, {y:.1f}) of image {image_id} '
                    f'lies outside the {w}x{h} image')
            dropped[image_id] = int((~inside).sum())
        out[image_id] = (points[inside], labels[inside])
    if dropped:
        names = ', '.join(f'{k} ({v})' for k, v in sorted(dropped.items()))
        warnings.warn(
            f'{path}: dropped {sum(dropped.values())} clicks outside their '
            f'image in {len(dropped)} images: {names}', stacklevel=2)
    return out


@WEAK_ANNOTATIONS.register_module(name=['WhatsThePoint', 'whats_the_point'])
class WhatsThePoint(BaseWeakAnnotation):
    """"What's the point" click files (points).

    Clicks outside their image (the image's size is read from its header)
    are dropped with one warning per file, or raise (``on_outside='error'``).

    Args:
        files (str | Sequence[str]): JSON files (object clicks, background
            clicks), relative to ``data_root``; merged in order.
        on_outside (str): ``'drop'`` (default) or ``'error'``.
        **kwargs: Arguments of :class:`BaseWeakAnnotation`.
    """
    provides = ('points', )

    def __init__(self, files, on_outside: str = 'drop', **kwargs):
        super().__init__(**kwargs)
        if on_outside not in ('drop', 'error'):
            raise ValueError(f"on_outside must be 'drop' or 'error', got "
                             f'{on_outside!r}')
        files = [files] if isinstance(files, str) else list(files)
        self.files = [self.abspath(f) for f in files]
        self.on_outside = on_outside
        self.clicks: Clicks = {}

    def prepare(self, data_list: List[dict], pipeline=None) -> None:
        per_file = [
            read_whats_the_point_file(f, self.num_classes) for f in self.files
        ]
        listed = {self.stem(info): info['img_path'] for info in data_list}
        clicked = set().union(*per_file) & set(listed)
        sizes = {k: image_size(listed[k]) for k in sorted(clicked)}
        self.clicks = merge_clicks([
            drop_clicks_outside(c, sizes, f, self.on_outside)
            for c, f in zip(per_file, self.files)
        ])

    def load(self, info: dict) -> dict:
        points, labels = self.clicks.get(
            self.stem(info), (np.zeros((0, 2), np.float32),
                              np.zeros(0, np.int64)))
        if len(labels) == 0:
            raise EmptyWeakAnnotation(
                f'{", ".join(self.files)}: no clicks for {self.stem(info)}')
        return dict(points=points, point_labels=labels,
                    weak_ann_file=', '.join(self.files))
