"""Dense pseudo-masks from weak labels (points, scribbles, boxes)."""
from typing import Optional

import numpy as np
import torch

from mmwsss.models.utils import dense_crf
from mmwsss.ops import random_walk_color
from mmwsss.structures import box_area_order, box_pixel_ranges


def _box_constraints(boxes, labels, num_classes, shape, background,
                     core=0.2):
    """Seeds in the central part of every box, and per-pixel allowed classes:
    inside boxes only their classes (and background), outside background."""
    h, w = shape
    allowed = np.zeros((num_classes, h, w), bool)
    seeds = np.full((h, w), 255, np.uint8)
    if background is not None:
        allowed[background] = True
    inside = np.zeros((h, w), bool)
    ranges = box_pixel_ranges(boxes)
    for k in box_area_order(boxes):
        c1, r1, c2, r2 = ranges[k]
        allowed[labels[k], r1:r2, c1:c2] = True
        inside[r1:r2, c1:c2] = True
        cx, cy, bw, bh = (c1 + c2) / 2, (r1 + r2) / 2, c2 - c1, r2 - r1
        s1, s2 = int(cx - core * bw / 2), int(np.ceil(cx + core * bw / 2))
        t1, t2 = int(cy - core * bh / 2), int(np.ceil(cy + core * bh / 2))
        seeds[t1:t2, s1:s2] = labels[k]
    if background is not None:
        seeds[~inside] = background
    else:
        allowed[:, ~inside] = True
    return seeds, allowed


def weak_to_pseudo_mask(image: np.ndarray,
                        weak_map: np.ndarray,
                        num_classes: int,
                        method: str = 'rw',
                        boxes: Optional[np.ndarray] = None,
                        box_labels: Optional[np.ndarray] = None,
                        background: Optional[int] = 0,
                        num_steps: int = 100,
                        radius: int = 1,
                        sigma: float = 0.1,
                        ignore_index: int = 255) -> np.ndarray:
    """Propagate a weak label map to a dense pseudo-mask.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        weak_map (np.ndarray): (H, W) labels, ``ignore_index`` unlabelled
            (points, scribbles; for boxes, see ``boxes``).
        num_classes (int): Number of classes.
        method (str): ``'rw'`` (colour random walk with clamped seeds, the
            compiled local op), ``'crf'`` (DenseCRF from the seeds) or
            ``'rw+crf'`` (DenseCRF on the random-walk probabilities).
        boxes (np.ndarray, optional): (N, 4) boxes; seeds are then the
            central 20% of each box and background outside all boxes, and a
            pixel may only take the class of a box covering it.
        box_labels (np.ndarray, optional): (N,) box labels.
        background (int, optional): Background label for boxes.
        num_steps, radius, sigma: Random-walk parameters.

    Returns:
        np.ndarray: (H, W) uint8 pseudo-mask.
    """
    if method not in ('rw', 'crf', 'rw+crf'):
        raise ValueError(f"method must be 'rw', 'crf' or 'rw+crf'")
    h, w = weak_map.shape
    allowed = None
    if boxes is not None:
        weak_map, allowed = _box_constraints(boxes, box_labels, num_classes,
                                             (h, w), background)
    labelled = weak_map != ignore_index
    if not labelled.any():
        raise ValueError('the weak label map has no labelled pixel')
    seeds = np.zeros((num_classes, h, w), np.float32)
    ys, xs = np.nonzero(labelled)
    seeds[weak_map[ys, xs], ys, xs] = 1
    if method in ('rw', 'rw+crf'):
        img = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
        probs = random_walk_color(img, torch.from_numpy(seeds)[None],
                                  num_steps=num_steps, radius=radius,
                                  sigma=sigma)[0].numpy()
        unreached = probs.sum(0) <= 0
        probs[:, unreached] = 1.0 / num_classes
        probs /= probs.sum(0, keepdims=True)
    else:
        probs = np.where(labelled[None], 0.05 / num_classes, 1.0 / num_classes)
        probs = probs + seeds * 0.95
    if allowed is not None:
        probs = probs * allowed + 1e-6 * allowed
        probs /= probs.sum(0, keepdims=True)
    if method in ('crf', 'rw+crf'):
        probs = dense_crf(image, probs)
        if allowed is not None:
            probs = probs * allowed
    return probs.argmax(0).astype(np.uint8)
