"""Dense pseudo-masks from weak labels (points, scribbles, boxes)."""
from typing import Optional

import numpy as np
import torch

from mmwsss.models.utils import dense_crf
from mmwsss.ops import random_walk_color
from mmwsss.structures import (box_area_order, box_pixel_ranges,
                               rasterize_weak_target)
from .grabcut import grabcut_boxes, grabcut_seeds

METHODS = ('auto', 'rw', 'crf', 'rw+crf', 'grabcut', 'grabcut+crf',
           'grabcut+rw', 'opencv_rect', 'opencv_seeds')
# method='auto': per label type, the method (and its settings) chosen on
# selection images (benchmarks/bench_pseudo_masks.py, benchmarks/README.md):
# of those that beat the OpenCV classic of the label type and take at most
# half its time on every suite, the best mean mIoU. Boxes on a background
# (objects, VOC) and boxes without one (every segment boxed, CamVid) are
# separate label types: GrabCut needs a background to model.
AUTO_METHODS = dict(
    points=dict(method='rw+crf'),
    scribbles=dict(method='grabcut+crf', grabcut_iters=3),
    boxes=dict(method='grabcut', grabcut_iters=3),
    boxes_without_background=dict(method='rw'))


def seed_label_type(weak_map: np.ndarray, ignore_index: int = 255) -> str:
    """``'scribbles'`` when some labelled pixel has a labelled 4-neighbour
    of its class, else ``'points'`` (isolated clicks)."""
    lab = weak_map != ignore_index
    same_right = lab[:, :-1] & (weak_map[:, :-1] == weak_map[:, 1:])
    same_down = lab[:-1] & (weak_map[:-1] == weak_map[1:])
    return 'scribbles' if same_right.any() or same_down.any() else 'points'


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
                        method: str = 'auto',
                        boxes: Optional[np.ndarray] = None,
                        box_labels: Optional[np.ndarray] = None,
                        background: Optional[int] = 0,
                        num_steps: int = 100,
                        radius: int = 1,
                        sigma: float = 0.1,
                        grabcut_iters: int = 5,
                        ignore_index: int = 255) -> np.ndarray:
    """Propagate a weak label map to a dense pseudo-mask.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        weak_map (np.ndarray): (H, W) labels, ``ignore_index`` unlabelled
            (points, scribbles; for boxes, see ``boxes``).
        num_classes (int): Number of classes.
        method (str): One of :data:`METHODS`:

            - ``'rw'``: colour random walk with clamped seeds (the compiled
              local op); ``'crf'``: DenseCRF from the seeds; ``'rw+crf'``:
              DenseCRF on the random-walk probabilities;
            - ``'grabcut'``: boxes: one ``cv2.grabCut`` per box on the box
              and a 10 % margin around it; seeds: one cut per class at half
              resolution, contested pixels to the nearest seed;
              ``'grabcut+rw'`` / ``'grabcut+crf'``: seeds: each pixel takes
              the class with the highest (bilinearly upsampled) claim of the
              cuts plus random-walk (+ DenseCRF) probability, which settles
              the contested pixels and the cuts' staircase edges; boxes: the
              cut refined by the random walk / DenseCRF inside the boxes;
            - ``'opencv_rect'`` (boxes) and ``'opencv_seeds'`` (seeds): the
              OpenCV classics, ``cv2.grabCut`` on the whole image from each
              rectangle, or from the seeds with probable foreground inside
              each class's seed bounding box;
            - ``'auto'`` (default): :data:`AUTO_METHODS` by label type
              (boxes when ``boxes`` are given, without background when
              ``background`` is None, else :func:`seed_label_type`), with
              its settings in place of the arguments'.
        boxes (np.ndarray, optional): (N, 4) boxes; for the random walk and
            DenseCRF, seeds are then the central 20% of each box and
            background outside all boxes, and a pixel may only take the class
            of a box covering it.
        box_labels (np.ndarray, optional): (N,) box labels.
        background (int, optional): Background label for boxes.
        num_steps, radius, sigma: Random-walk parameters.
        grabcut_iters (int): Iterations of the ``grabcut*`` methods' cuts
            (the classics keep OpenCV's 5). Defaults to 5.

    Returns:
        np.ndarray: (H, W) uint8 pseudo-mask.
    """
    if method not in METHODS:
        raise ValueError(f'method must be one of {METHODS}, got {method!r}')
    if method == 'auto':
        if boxes is not None:
            kind = 'boxes' if background is not None else \
                'boxes_without_background'
        else:
            kind = seed_label_type(weak_map, ignore_index)
        auto = dict(AUTO_METHODS[kind])
        method = auto.pop('method')
        num_steps = auto.pop('num_steps', num_steps)
        grabcut_iters = auto.pop('grabcut_iters', grabcut_iters)
    h, w = weak_map.shape
    if method.startswith(('grabcut', 'opencv')):
        return _grabcut_mask(image, weak_map, num_classes, method, boxes,
                             box_labels, background, num_steps, radius,
                             sigma, grabcut_iters, ignore_index)
    allowed = None
    if boxes is not None:
        weak_map, allowed = _box_constraints(boxes, box_labels, num_classes,
                                             (h, w), background)
    labelled = weak_map != ignore_index
    if not labelled.any():
        raise ValueError('the weak label map has no labelled pixel')
    seeds = _seeds(weak_map, num_classes, ignore_index)
    if method in ('rw', 'rw+crf'):
        probs = _random_walk(image, seeds, num_steps, radius, sigma)
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


def _seeds(weak_map, num_classes, ignore_index):
    """(C, H, W) float32 one-hot of the labelled pixels, 0 elsewhere."""
    seeds = np.zeros((num_classes, ) + weak_map.shape, np.float32)
    ys, xs = np.nonzero(weak_map != ignore_index)
    seeds[weak_map[ys, xs], ys, xs] = 1
    return seeds


def _random_walk(image, seeds, num_steps, radius, sigma):
    """(C, H, W) probabilities of the colour random walk from (C, H, W)
    one-hot seeds; uniform where no seed reaches."""
    img = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    probs = random_walk_color(img, torch.from_numpy(seeds)[None],
                              num_steps=num_steps, radius=radius,
                              sigma=sigma)[0].numpy()
    unreached = probs.sum(0) <= 0
    probs[:, unreached] = 1.0 / seeds.shape[0]
    return probs / probs.sum(0, keepdims=True)


def _one_hot(mask: np.ndarray, num_classes: int, ignore_index: int,
             confidence: float = 0.8) -> np.ndarray:
    """(C, H, W) scores: ``confidence`` on each pixel's label, the rest
    spread evenly; uniform where ``ignore_index``."""
    probs = np.full((num_classes, ) + mask.shape,
                    (1 - confidence) / max(num_classes - 1, 1), np.float32)
    labelled = mask != ignore_index
    ys, xs = np.nonzero(labelled)
    probs[mask[ys, xs], ys, xs] = confidence
    probs[:, ~labelled] = 1.0 / num_classes
    return probs


def _grabcut_mask(image, weak_map, num_classes, method, boxes, box_labels,
                  background, num_steps, radius, sigma, grabcut_iters,
                  ignore_index):
    if boxes is not None:
        if method == 'opencv_seeds':
            raise ValueError("method 'opencv_seeds' needs seeds, not boxes")
        classic = method == 'opencv_rect'
        mask = grabcut_boxes(image, boxes, box_labels, background,
                             num_iters=5 if classic else grabcut_iters,
                             crop_margin=None if classic else 0.1,
                             ignore_index=ignore_index)
    else:
        if method == 'opencv_rect':
            raise ValueError("method 'opencv_rect' needs boxes")
        if not (weak_map != ignore_index).any():
            raise ValueError('the weak label map has no labelled pixel')
        if method == 'opencv_seeds':
            return grabcut_seeds(image, weak_map, ignore_index=ignore_index)
        scores = None
        if method != 'grabcut':  # the random walk settles the contested
            scores = _random_walk(
                image, _seeds(weak_map, num_classes, ignore_index),
                num_steps, radius, sigma)
            if method == 'grabcut+crf':
                scores = dense_crf(image, scores)
        return grabcut_seeds(image, weak_map, num_iters=grabcut_iters,
                             scale=0.5, scores=scores,
                             ignore_index=ignore_index)
    if method in ('grabcut', 'opencv_rect'):
        return mask
    probs = _one_hot(mask, num_classes, ignore_index)
    if method == 'grabcut+rw':
        probs = _random_walk(image, probs, num_steps, radius, sigma)
    else:
        probs = dense_crf(image, probs)
    out = probs.argmax(0).astype(np.uint8)
    if boxes is not None:  # keep each box's labels inside it only
        inside = mask != (ignore_index if background is None else background)
        out[~inside] = mask[~inside]
    return out


def sample_to_pseudo_mask(results: dict,
                          num_classes: int,
                          method: str = 'auto',
                          background: Optional[int] = 0,
                          ignore_index: int = 255,
                          **kwargs) -> np.ndarray:
    """The pseudo-mask of a sample loaded by ``LoadWeakAnnotations`` or
    ``GenerateWeakLabelsFromMask``: its label map and clicks rasterised,
    its boxes passed on, the BGR image turned to RGB.

    Args:
        results (dict): ``img`` (H, W, 3) BGR and what the sample has of
            ``gt_weak_seg_map``, ``gt_points``, ``gt_points_labels``,
            ``gt_bboxes``, ``gt_bboxes_labels``.
        num_classes (int): Number of classes.
        method (str): See :func:`weak_to_pseudo_mask`.
        background (int, optional): Label outside every box.
        ignore_index (int): Unlabelled value. Defaults to 255.
        **kwargs: Random-walk parameters of :func:`weak_to_pseudo_mask`.

    Returns:
        np.ndarray: (H, W) uint8 pseudo-mask.
    """
    image = np.ascontiguousarray(results['img'][..., ::-1])
    weak = rasterize_weak_target(
        image.shape[:2], weak_map=results.get('gt_weak_seg_map'),
        points=results.get('gt_points'),
        point_labels=results.get('gt_points_labels'),
        ignore_index=ignore_index)
    return weak_to_pseudo_mask(image, weak, num_classes, method,
                               results.get('gt_bboxes'),
                               results.get('gt_bboxes_labels'),
                               background=background,
                               ignore_index=ignore_index, **kwargs)
