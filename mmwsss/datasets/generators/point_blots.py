"""PMP's point blots (Akiva & Dana, "Towards single stage weakly supervised
semantic segmentation", Sec. 3.3; docs/method_specs.md 4.4 and 4.7 items 6-8).

A blot is a local region grown from a labelled point over similar colours:

1. Random walk. ``random_walk_color`` (colour affinities, seeds clamped)
   gives, for every pixel and class, the probability ``S_c`` that a
   ``num_steps``-step colour-weighted walk started at the pixel hits a seed
   of class ``c``. A pixel belongs to class ``c`` when the walk reached it,
   ``R = sum_c S_c >= min_reach`` (the "visited pixels" of the spec's short
   walk), and ``c`` wins with ``S_c / R >= prob_threshold`` (the spec's
   thresholded random-walker probabilities). The blot of a point is the
   connected component (8-connectivity, the walk's 3 x 3 window) of the
   pixels of its class that contains the point; points of one class may
   share a blot.
2. Perturbations. For ``t = 1..k`` all points are moved by one random affine
   map ``A_t``: a rotation by an angle uniform in ``+-theta_t`` about the
   points' centroid and a translation uniform in ``+-tau_t`` (x and y drawn
   separately), ``theta_t`` and ``tau_t`` growing linearly over ``t`` from
   the first to the second value of ``max_rotation`` / ``max_translation``;
   moved points are clipped to the image and keep their labels. The candidate
   blot of point ``i`` comes from the walk seeded by the moved points. It is
   merged into the current blot ``b`` of point ``i`` (``b <- b | bt``) when
   ``KL(hist(b) || hist(bt)) < kl_threshold`` and ``IoU(b, bt) >
   iou_threshold``. ``hist`` is the per-channel colour histogram
   (``num_bins`` bins per channel, eps-smoothed, each channel normalised);
   the KL is one-sided, as the spec writes it, and summed over the three
   channels.
3. Label map. Pixels take the label of the earliest accepted blot that covers
   them: the initial blots in point order, then the accepted candidates of
   ``t = 1, 2, ...`` in point order (spec 4.7 item 8). The original points
   always carry their own label (when two points of different classes share
   a pixel, the first one), the rest is ``ignore_index``.

Vectorisation and locality. All walks (the ``k + 1`` point sets times the
``N`` points) are one batched :func:`random_walk_color` call. Each batch item
is a ``(2 window + 1)^2`` crop centred on one (moved) point, seeded with every
point of its set inside the crop in two channels, the point's own class and
all other classes: ``S_own / R >= prob_threshold > 0.5`` is the same test as
"the point's class wins with at least that probability", at a cost that does
not grow with the number of classes (CamVid images have about 9 classes and
30 points). The crop's border is a wall the walk cannot cross (an image
border), so a blot never reaches further than ``window`` pixels from its
point; with ``window=None`` every crop is the whole image, which is the
walk of the spec literally (and much slower).

Defaults. ``num_steps=40`` and ``window=16`` (about three standard
deviations of a 40-step walk on a flat region, so the crop's walls barely
matter): blots of about 10 px radius in flat regions before the
perturbations, 0.18 s per 240 x 180 CamVid image with ~26 points on one CPU
core (0.36 s with 47 points). The spec's 100 steps (``window=24``) take about
0.9 s there, and gave less precise blots on CamVid (more leaks across weak
edges).

The walk's colour distance and the per-channel histograms do not depend on
the order of the channels, so RGB and BGR (mmcv's order) images give the same
blots.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch

from mmwsss.ops.random_walk import random_walk_color

HIST_EPS = 1e-3  # added to every normalised histogram bin before the KL

DEFAULT_WALK = dict(num_steps=40, radius=1, sigma=0.1, dilation=1)


def _schedule(value, k: int, name: str) -> np.ndarray:
    """Ranges of the ``k`` perturbations, linear from the first to the last
    of ``value`` (a number: constant)."""
    lo, hi = (value, value) if np.isscalar(value) else tuple(value)
    if lo < 0 or hi < 0:
        raise ValueError(f'{name} must be >= 0, got {value}')
    if k <= 1:
        return np.full(k, float(lo))
    return np.linspace(float(lo), float(hi), k)


def perturb_points(points: np.ndarray, shape: Tuple[int, int],
                   num_perturbations: int = 10,
                   max_rotation: Union[float, Sequence[float]] = (2., 20.),
                   max_translation: Union[float, Sequence[float]] = (2., 20.),
                   rng: np.random.Generator = None) -> np.ndarray:
    """The moved copies of ``points`` (step 2 of the module docstring).

    Args:
        points (np.ndarray): (N, 2) x, y.
        shape (tuple): (H, W) of the image the points are clipped to.
        num_perturbations (int): k.
        max_rotation: Rotation range in degrees, ``(first, last)`` or one
            number for all.
        max_translation: Translation range in pixels, likewise.
        rng (np.random.Generator): Random source.

    Returns:
        np.ndarray: (k, N, 2) float32 x, y inside ``[0, W) x [0, H)``.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    theta = np.deg2rad(_schedule(max_rotation, num_perturbations,
                                 'max_rotation'))
    tau = _schedule(max_translation, num_perturbations, 'max_translation')
    points = np.asarray(points, np.float64).reshape(-1, 2)
    centre = points.mean(0) if len(points) else np.zeros(2)
    h, w = shape
    out = np.empty((num_perturbations, len(points), 2), np.float32)
    for t in range(num_perturbations):
        angle = rng.uniform(-theta[t], theta[t])
        shift = rng.uniform(-tau[t], tau[t], size=2)
        c, s = math.cos(angle), math.sin(angle)
        rot = np.array([[c, -s], [s, c]])
        moved = (points - centre) @ rot.T + centre + shift
        moved[:, 0] = np.clip(moved[:, 0], 0, w - 1e-3)
        moved[:, 1] = np.clip(moved[:, 1], 0, h - 1e-3)
        out[t] = moved
    return out


def _check_inputs(image, points, labels, num_classes, ignore_index):
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be (H, W, 3), got shape {image.shape}')
    points = np.asarray(points, np.float64)
    if points.size == 0:
        points = points.reshape(0, 2)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f'points must be (N, 2) x, y, got shape '
                         f'{points.shape}')
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(points):
        raise ValueError(f'points and labels differ in length: '
                         f'{len(points)} points, {len(labels)} labels')
    if not 1 <= num_classes <= 255:
        raise ValueError(f'num_classes must be in [1, 255] (uint8 labels), '
                         f'got {num_classes}')
    if not 0 <= ignore_index <= 255 or ignore_index < num_classes:
        raise ValueError(f'ignore_index must be in [num_classes, 255] = '
                         f'[{num_classes}, 255], got {ignore_index}')
    h, w = image.shape[:2]
    inside = ((points[:, 0] >= 0) & (points[:, 0] < w) &
              (points[:, 1] >= 0) & (points[:, 1] < h))
    if not inside.all():
        i = int(np.argmin(inside))
        raise ValueError(f'point {i} ({points[i, 0]}, {points[i, 1]}) lies '
                         f'outside the {w}x{h} image')
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        i = int(np.argmax((labels < 0) | (labels >= num_classes)))
        raise ValueError(f'label {labels[i]} of point {i} is outside '
                         f'[0, {num_classes})')
    return image, points, labels.astype(np.int64)


def _as_unit_float(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255
    if not np.issubdtype(image.dtype, np.floating):
        raise ValueError(f'image must be uint8 or floating in [0, 1], got '
                         f'{image.dtype}')
    return np.clip(image, 0, 1).astype(np.float32)


def _pixels(points: np.ndarray, shape) -> np.ndarray:
    """(..., 2) x, y -> (..., 2) integer row, column of their pixels."""
    h, w = shape
    rows = np.clip(np.floor(points[..., 1]), 0, h - 1).astype(np.int64)
    cols = np.clip(np.floor(points[..., 0]), 0, w - 1).astype(np.int64)
    return np.stack([rows, cols], -1)


def _seed_classes(pix: np.ndarray, labels: np.ndarray, shape) -> np.ndarray:
    """The class seeded at each point's pixel: the first point's class when
    several points share a pixel. (…, N) int64."""
    flat = pix[..., 0] * shape[1] + pix[..., 1]  # (S, N)
    out = np.empty(flat.shape, np.int64)
    for s in range(flat.shape[0]):
        _, first, inverse = np.unique(flat[s], return_index=True,
                                      return_inverse=True)
        out[s] = labels[first][inverse.reshape(-1)]
    return out


class _Windows:
    """One walk per (point set, point): crops of the image around the point,
    seeded in two channels (the point's class, the other classes)."""

    def __init__(self, image: np.ndarray, pix: np.ndarray,
                 classes: np.ndarray, window: Optional[int], sigma: float):
        S, N = pix.shape[:2]
        h, w = image.shape[:2]
        if window is None:  # every crop is the whole image
            self.size = (h, w)
            self.origin = np.zeros((S, N, 2), np.int64)
            crops = np.broadcast_to(image, (S * N, h, w, 3))
        else:  # (2 window + 1)^2 crops of the image padded with walls
            self.size = (2 * window + 1, 2 * window + 1)
            self.origin = pix - window  # image coordinates of crop (0, 0)
            # far from every colour: affinity exp(-(40 sigma)^2 / 2sigma^2) = 0
            wall = -(1 + 40 * sigma)
            padded = np.pad(image, ((window, window), (window, window),
                                    (0, 0)), constant_values=wall)
            ky, kx = np.arange(self.size[0]), np.arange(self.size[1])
            rows = pix[..., 0].reshape(-1, 1, 1) + ky[:, None]  # padded coords
            cols = pix[..., 1].reshape(-1, 1, 1) + kx[None, :]
            crops = padded[rows, cols]
        self.images = torch.from_numpy(np.ascontiguousarray(
            crops.transpose(0, 3, 1, 2)))  # (S N, 3, hw, ww)
        # seeds: every point of the set inside the crop
        hw, ww = self.size
        seeds = np.zeros((S, N, 2, hw, ww), np.float32)
        for s in range(S):
            rel = pix[s][None, :, :] - self.origin[s][:, None, :]  # (N, N, 2)
            inside = ((rel[..., 0] >= 0) & (rel[..., 0] < hw) &
                      (rel[..., 1] >= 0) & (rel[..., 1] < ww))
            b, j = np.nonzero(inside)  # crop b (of point b) holds point j
            other = (classes[s][j] != classes[s][b]).astype(np.int64)
            seeds[s, b, other, rel[b, j, 0], rel[b, j, 1]] = 1
        self.seeds = torch.from_numpy(seeds.reshape(S * N, 2, hw, ww))
        self.shape = (h, w)

    def walk(self, num_steps, radius, sigma, dilation):
        scores = random_walk_color(self.images, self.seeds, num_steps, radius,
                                   sigma, dilation, clamp_seeds=True)
        return scores.numpy()

    def blot(self, scores: np.ndarray, s: int, i: int, centre: np.ndarray,
             prob_threshold: float, min_reach: float):
        """The candidate blot of point ``i`` of set ``s``: its image region
        ``(y0, y1, x0, x1)`` and mask there, or None when it is empty."""
        b = s * self.origin.shape[1] + i
        own, other = scores[b, 0], scores[b, 1]
        reach = own + other
        mask = (own >= prob_threshold * reach) & (reach >= min_reach)
        # the part of the crop inside the image
        oy, ox = self.origin[s, i]
        h, w = self.shape
        y0, x0 = max(oy, 0), max(ox, 0)
        y1, x1 = min(oy + self.size[0], h), min(ox + self.size[1], w)
        mask = mask[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
        cy, cx = centre[0] - y0, centre[1] - x0
        if not mask[cy, cx]:
            return None
        _, comp = cv2.connectedComponents(mask.astype(np.uint8),
                                          connectivity=8)
        return (y0, y1, x0, x1), comp == comp[cy, cx]


def _histogram(bins: np.ndarray, num_bins: int) -> np.ndarray:
    """Per-channel counts (3, num_bins) of the (M, 3) bin indices."""
    offset = bins.astype(np.int64) + np.arange(3) * num_bins
    return np.bincount(offset.reshape(-1),
                       minlength=3 * num_bins).reshape(3, num_bins)


def histogram_kl(p_counts: np.ndarray, q_counts: np.ndarray,
                 eps: float = HIST_EPS) -> float:
    """``KL(p || q)`` of per-channel colour histograms (C, bins), each channel
    normalised and smoothed by ``eps``, summed over the channels."""
    p = p_counts / np.maximum(p_counts.sum(1, keepdims=True), 1) + eps
    q = q_counts / np.maximum(q_counts.sum(1, keepdims=True), 1) + eps
    p /= p.sum(1, keepdims=True)
    q /= q.sum(1, keepdims=True)
    return float((p * np.log(p / q)).sum())


def point_blots(image: np.ndarray,
                points: np.ndarray,
                labels: np.ndarray,
                num_classes: int,
                num_perturbations: int = 10,
                max_rotation: Union[float, Sequence[float]] = (2., 20.),
                max_translation: Union[float, Sequence[float]] = (2., 20.),
                kl_threshold: float = 0.5,
                iou_threshold: float = 0.3,
                prob_threshold: float = 0.9,
                num_bins: int = 16,
                walk: Optional[dict] = None,
                ignore_index: int = 255,
                rng: Union[np.random.Generator, int, None] = None,
                window: Optional[int] = 16,
                min_reach: float = 0.01,
                perturbed: Optional[np.ndarray] = None) -> np.ndarray:
    """PMP's point blots of one image (see the module docstring).

    Args:
        image (np.ndarray): (H, W, 3) uint8 (or float in [0, 1]), RGB or BGR:
            the result does not depend on the channel order.
        points (np.ndarray): (N, 2) x, y inside the image (pixel centres, as
            ``gt_points``).
        labels (np.ndarray): (N,) classes in ``[0, num_classes)``.
        num_classes (int): Number of classes (at most 255).
        num_perturbations (int): k, the perturbed point sets. Defaults to 10.
        max_rotation: Rotation range of ``A_t`` in degrees, ``(t=1, t=k)``
            with linear growth, or one number. Defaults to (2, 20).
        max_translation: Translation range in pixels, likewise. Defaults to
            (2, 20).
        kl_threshold (float): phi: a candidate is merged when
            ``KL(hist(b) || hist(bt)) < phi``. Defaults to 0.5.
        iou_threshold (float): delta: ... and ``IoU(b, bt) > delta``.
            Defaults to 0.3.
        prob_threshold (float): Least probability of the point's class, in
            (0.5, 1]. Defaults to 0.9.
        num_bins (int): Histogram bins per channel. Defaults to 16.
        walk (dict, optional): Arguments of :func:`random_walk_color`:
            ``num_steps`` (40), ``radius`` (1), ``sigma`` (0.1, on colours in
            [0, 1]), ``dilation`` (1).
        ignore_index (int): Label of the pixels of no blot. Defaults to 255.
        rng (np.random.Generator | int, optional): Random source (or its
            seed) of the perturbations. Defaults to seed 0.
        window (int, optional): Half size of the walk's crop around each
            point: blots stay within ``window`` pixels (Chebyshev) of their
            point. None walks the whole image. Defaults to 16 (about three
            standard deviations of a 40-step walk on a flat region).
        min_reach (float): Least probability, in (0, 1], that the walk from
            a pixel hits a seed, for the pixel to be in a blot (the walk's
            reach). Defaults to 0.01.
        perturbed (np.ndarray, optional): (k, N, 2) moved points to use
            instead of random ones (``num_perturbations``, the ranges and
            ``rng`` are then unused).

    Returns:
        np.ndarray: (H, W) uint8 label map, ``ignore_index`` outside blots.
    """
    image, points, labels = _check_inputs(image, points, labels, num_classes,
                                          ignore_index)
    if not 0.5 < prob_threshold <= 1:
        raise ValueError(f'prob_threshold must be in (0.5, 1] (the class '
                         f'must win), got {prob_threshold}')
    if not 0 < min_reach <= 1:
        raise ValueError(f'min_reach must be in (0, 1], got {min_reach}')
    if int(num_bins) != num_bins or num_bins < 1:
        raise ValueError(f'num_bins must be an integer >= 1, got {num_bins}')
    if int(num_perturbations) != num_perturbations or num_perturbations < 0:
        raise ValueError(f'num_perturbations must be an integer >= 0, got '
                         f'{num_perturbations}')
    if window is not None and (int(window) != window or window < 0):
        raise ValueError(f'window must be an integer >= 0 or None, got '
                         f'{window}')
    walk = {**DEFAULT_WALK, **(walk or {})}
    unknown = set(walk) - set(DEFAULT_WALK)
    if unknown:
        raise ValueError(f'walk has unknown keys {sorted(unknown)}; known: '
                         f'{sorted(DEFAULT_WALK)}')
    h, w = image.shape[:2]
    out = np.full((h, w), ignore_index, np.uint8)
    if len(points) == 0:
        return out
    if perturbed is None:
        if not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(0 if rng is None else rng)
        perturbed = perturb_points(points, (h, w), int(num_perturbations),
                                   max_rotation, max_translation, rng)
    else:
        perturbed = np.asarray(perturbed, np.float64).reshape(
            -1, len(points), 2)
    sets = np.concatenate([points[None], perturbed])  # (k + 1, N, 2)
    pix = _pixels(sets, (h, w))
    classes = _seed_classes(pix, labels, (h, w))
    unit = _as_unit_float(image)
    windows = _Windows(unit, pix, classes, window, walk['sigma'])
    scores = windows.walk(**walk)
    bins = np.minimum((unit * num_bins).astype(np.int64), num_bins - 1)

    N = len(points)
    blots = np.zeros((N, h, w), bool)
    areas = np.zeros(N, np.int64)
    hists = np.zeros((N, 3, num_bins), np.int64)
    for s in range(len(sets)):
        for i in range(N):
            if classes[s, i] != labels[i]:
                continue  # its pixel is seeded by an earlier point's class
            cand = windows.blot(scores, s, i, pix[s, i], prob_threshold,
                                min_reach)
            if cand is None:
                continue
            (y0, y1, x0, x1), mask = cand
            current = blots[i, y0:y1, x0:x1]
            if s > 0:
                inter = int((current & mask).sum())
                area = int(mask.sum())
                iou = inter / max(areas[i] + area - inter, 1)
                kl = histogram_kl(hists[i],
                                  _histogram(bins[y0:y1, x0:x1][mask],
                                             num_bins))
                if not (kl < kl_threshold and iou > iou_threshold):
                    continue
            new = mask & ~current
            current |= new
            areas[i] += int(new.sum())
            hists[i] += _histogram(bins[y0:y1, x0:x1][new], num_bins)
            region = out[y0:y1, x0:x1]
            region[new & (region == ignore_index)] = labels[i]
    flat = pix[0, :, 0] * w + pix[0, :, 1]
    _, first = np.unique(flat, return_index=True)  # a pixel's first point
    out.flat[flat[first]] = labels[first]
    return out
