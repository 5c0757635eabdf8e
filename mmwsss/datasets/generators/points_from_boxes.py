"""PMP's point labels from boxes: a click at the centre of every box and
random background clicks outside all boxes."""
from typing import Sequence, Tuple, Union

import numpy as np


def pixels_covered_by_boxes(boxes: np.ndarray,
                            shape: Sequence[int]) -> np.ndarray:
    """The pixels that overlap at least one box.

    Coordinates are continuous (pixel ``(i, j)`` spans ``[j, j + 1) x
    [i, i + 1)``): a box ``(x1, y1, x2, y2)`` covers the columns
    ``floor(x1) .. ceil(x2) - 1`` and the rows ``floor(y1) .. ceil(y2) - 1``
    that lie in the image, so a pixel not covered lies wholly outside every
    box. Computed with a 2-D difference array (one cumulative sum, no loop).

    Args:
        boxes (np.ndarray): (N, 4) ``(x1, y1, x2, y2)``.
        shape (Sequence[int]): ``(h, w)`` of the image.

    Returns:
        np.ndarray: (h, w) bool.
    """
    h, w = int(shape[0]), int(shape[1])
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    x0 = np.clip(np.floor(boxes[:, 0]), 0, w).astype(np.int64)
    y0 = np.clip(np.floor(boxes[:, 1]), 0, h).astype(np.int64)
    x1 = np.clip(np.ceil(boxes[:, 2]), 0, w).astype(np.int64)
    y1 = np.clip(np.ceil(boxes[:, 3]), 0, h).astype(np.int64)
    keep = (x1 > x0) & (y1 > y0)
    x0, y0, x1, y1 = x0[keep], y0[keep], x1[keep], y1[keep]
    diff = np.zeros((h + 1, w + 1), np.int64)
    np.add.at(diff, (y0, x0), 1)
    np.add.at(diff, (y0, x1), -1)
    np.add.at(diff, (y1, x0), -1)
    np.add.at(diff, (y1, x1), 1)
    return diff.cumsum(0).cumsum(1)[:h, :w] > 0


def points_from_boxes(boxes: np.ndarray,
                      labels: np.ndarray,
                      shape: Sequence[int],
                      num_background_points: int = 4,
                      bg_label: int = 0,
                      rng: Union[np.random.Generator, int, None] = None
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Point labels from boxes, as PMP makes them on VOC (Akiva & Dana).

    - one object click per box, at the pixel under the box centre
      ``((x1 + x2) / 2, (y1 + y2) / 2)``: ``floor(centre) + 0.5`` clipped into
      the image (a centre on the right or bottom border is on the last
      pixel); it may fall off the object, which the paper accepts;
    - ``num_background_points`` clicks per box, labelled ``bg_label``,
      drawn uniformly without replacement among the pixels outside all boxes
      (see :func:`pixels_covered_by_boxes`). When fewer such pixels exist,
      all of them are taken; when none, the image gets no background click.

    Args:
        boxes (np.ndarray): (N, 4) ``(x1, y1, x2, y2)`` continuous
            coordinates, ``x2 >= x1``, ``y2 >= y1``.
        labels (np.ndarray): (N,) box classes.
        shape (Sequence[int]): ``(h, w)`` of the image.
        num_background_points (int): Background clicks per box. Defaults
            to 4.
        bg_label (int): Label of the background clicks. Defaults to 0.
        rng (np.random.Generator | int, optional): Source (or seed) of the
            background clicks. Defaults to a generator seeded with 0.

    Returns:
        tuple: points (N + K, 2) float32 ``(x, y)`` pixel centres, the box
        centres first (in box order), then the K background clicks; labels
        (N + K,) int64.

    Raises:
        ValueError: A box that is not finite, has ``x2 < x1`` or ``y2 < y1``,
            or whose centre lies outside the image.
    """
    if num_background_points < 0:
        raise ValueError(f'num_background_points must be >= 0, got '
                         f'{num_background_points}')
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(0 if rng is None else rng)
    h, w = int(shape[0]), int(shape[1])
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    labels = np.asarray(labels, np.int64).reshape(-1)
    if len(labels) != len(boxes):
        raise ValueError(f'{len(boxes)} boxes but {len(labels)} labels')
    bad = ~np.isfinite(boxes).all(1) | (boxes[:, 2] < boxes[:, 0]) | (
        boxes[:, 3] < boxes[:, 1])
    if bad.any():
        raise ValueError(f'box {boxes[np.argmax(bad)].tolist()} is not a '
                         f'box (x1, y1, x2, y2 with x2 >= x1, y2 >= y1)')
    centres = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2,
                        (boxes[:, 1] + boxes[:, 3]) / 2], 1)
    outside = ((centres[:, 0] < 0) | (centres[:, 0] > w) |
               (centres[:, 1] < 0) | (centres[:, 1] > h))
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(
            f'box {boxes[i].tolist()} has its centre '
            f'({centres[i, 0]:g}, {centres[i, 1]:g}) outside the {w}x{h} '
            f'image')
    obj = np.floor(centres) + 0.5
    obj[:, 0] = obj[:, 0].clip(0.5, w - 0.5)
    obj[:, 1] = obj[:, 1].clip(0.5, h - 0.5)

    free = np.flatnonzero(~pixels_covered_by_boxes(boxes, (h, w)))
    k = min(num_background_points * len(boxes), free.size)
    pick = rng.choice(free, size=k, replace=False) if k else free[:0]
    rows, cols = np.divmod(pick, w)
    bg = np.stack([cols + 0.5, rows + 0.5], 1)
    points = np.concatenate([obj, bg]).astype(np.float32).reshape(-1, 2)
    out_labels = np.concatenate(
        [labels, np.full(k, bg_label, np.int64)]).astype(np.int64)
    return points, out_labels
