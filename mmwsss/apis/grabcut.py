"""GrabCut pseudo-masks from boxes and seeds (scribbles, points).

OpenCV's ``cv2.grabCut`` does the graph cut (GMM colour models and min-cut,
Rother et al., 2004); these functions set it up for weak labels and combine
the per-object (per-class) cuts into one label map.

- :func:`grabcut_boxes`: one cut per box, initialised with the rectangle.
  ``crop_margin=None`` runs it on the whole image (the classic use);
  a margin runs it on the box and that margin around it only, which gives
  the same colour models a local background and costs a fraction of the
  time. Smaller boxes are painted over larger ones; pixels outside every
  box, and pixels that no cut claims, are background.
- :func:`grabcut_seeds`: one cut per class present in the seeds: its seeds
  are foreground, other classes' seeds background, the bounding box of its
  seeds probable foreground and the rest probable background (the classic
  scribble initialisation). A pixel claimed by several classes, or by none,
  takes the class of the nearest claiming (or any) seed.
"""
from typing import Optional

import cv2
import numpy as np

from mmwsss.structures import box_area_order, box_pixel_ranges


def _cut(image: np.ndarray, mask: np.ndarray, rect, num_iters: int,
         mode: int) -> np.ndarray:
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.grabCut(image, mask, rect, bgd, fgd, num_iters, mode)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def grabcut_boxes(image: np.ndarray,
                  boxes: np.ndarray,
                  labels: np.ndarray,
                  background: Optional[int] = 0,
                  num_iters: int = 5,
                  crop_margin: Optional[float] = None,
                  ignore_index: int = 255) -> np.ndarray:
    """Label map from boxes by one GrabCut per box.

    Args:
        image (np.ndarray): (H, W, 3) uint8 image (BGR or RGB).
        boxes (np.ndarray): (N, 4) boxes ``(x1, y1, x2, y2)``, continuous
            pixel coordinates.
        labels (np.ndarray): (N,) labels.
        background (int, optional): Label of pixels no box claims; None
            leaves them ``ignore_index``.
        num_iters (int): GrabCut iterations. Defaults to 5.
        crop_margin (float, optional): Run each cut on the box grown by this
            share of its size on every side (at least 8 pixels); None runs
            it on the whole image.
        ignore_index (int): Unlabelled value. Defaults to 255.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be (H, W, 3), got {image.shape}')
    h, w = image.shape[:2]
    image = np.ascontiguousarray(image, dtype=np.uint8)
    out = np.full((h, w), ignore_index if background is None else background,
                  np.uint8)
    ranges = box_pixel_ranges(boxes)
    for k in box_area_order(boxes):
        c1, r1, c2, r2 = (int(v) for v in ranges[k])
        c1, r1, c2, r2 = max(c1, 0), max(r1, 0), min(c2, w), min(r2, h)
        if c2 <= c1 or r2 <= r1:
            continue
        if crop_margin is None:
            x0, y0, x1, y1 = 0, 0, w, h
        else:
            mx = max(8, int(round(crop_margin * (c2 - c1))))
            my = max(8, int(round(crop_margin * (r2 - r1))))
            x0, y0 = max(c1 - mx, 0), max(r1 - my, 0)
            x1, y1 = min(c2 + mx, w), min(r2 + my, h)
        crop = image[y0:y1, x0:x1]
        rect = (c1 - x0, r1 - y0, c2 - c1, r2 - r1)
        if rect[2] >= crop.shape[1] and rect[3] >= crop.shape[0]:
            fg = np.ones(crop.shape[:2], bool)  # the box is the whole frame
        else:
            mask = np.zeros(crop.shape[:2], np.uint8)
            fg = _cut(crop, mask, rect, num_iters, cv2.GC_INIT_WITH_RECT)
        region = out[y0:y1, x0:x1]
        region[fg] = labels[k]
    return out


def downscale_seeds(seeds: np.ndarray, shape, ignore_index: int = 255
                    ) -> np.ndarray:
    """Seeds at a lower resolution: every labelled pixel marks the pixel it
    falls in (so single-pixel clicks survive; on a tie the last one in
    row-major order wins)."""
    h, w = seeds.shape
    out = np.full(shape, ignore_index, np.uint8)
    ys, xs = np.nonzero(seeds != ignore_index)
    out[ys * shape[0] // h, xs * shape[1] // w] = seeds[ys, xs]
    return out


def grabcut_seeds(image: np.ndarray,
                  seeds: np.ndarray,
                  num_iters: int = 5,
                  scale: float = 1.0,
                  scores: Optional[np.ndarray] = None,
                  ignore_index: int = 255) -> np.ndarray:
    """Dense label map from seeds (scribbles, points) by one GrabCut per
    class.

    Args:
        image (np.ndarray): (H, W, 3) uint8 image.
        seeds (np.ndarray): (H, W) labels, ``ignore_index`` unlabelled.
        num_iters (int): GrabCut iterations. Defaults to 5.
        scale (float): Run the cuts on the image resized by this factor
            (area averaging; seeds by :func:`downscale_seeds`), and bring
            the labels back by nearest neighbour; the seeds keep their labels
            at full resolution. Defaults to 1 (the classic).
        scores (np.ndarray, optional): (C, H, W) class probabilities (e.g.
            of the random walk): a pixel takes the seed class with the
            highest claim + score, where a claim is 1 where the class's cut
            keeps the pixel and 0 elsewhere (between 0 and 1 near the edges
            of cuts made at ``scale < 1``, bilinearly upsampled). Scores thus
            settle the pixels claimed by several cuts or by none, and the
            coarse cuts' staircase edges. None: contested and unclaimed
            pixels take the class of the nearest claiming (or any) seed
            (the classic).
        ignore_index (int): Unlabelled value. Defaults to 255.

    Returns:
        np.ndarray: (H, W) uint8, every pixel labelled.
    """
    if image.shape[:2] != seeds.shape:
        raise ValueError(f'image {image.shape[:2]} and seeds {seeds.shape} '
                         f'differ in size')
    if not 0 < scale <= 1:
        raise ValueError(f'scale must be in (0, 1], got {scale}')
    classes = np.unique(seeds[seeds != ignore_index])
    if not len(classes):
        raise ValueError('the seeds have no labelled pixel')
    image = np.ascontiguousarray(image, dtype=np.uint8)
    if scale < 1:
        h, w = seeds.shape
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        claims = _seed_claims(
            cv2.resize(image, size, interpolation=cv2.INTER_AREA),
            downscale_seeds(seeds, size[::-1], ignore_index), classes,
            num_iters, ignore_index)
        # with scores: soft claims (bilinear), so that the scores also
        # settle the pixels of the coarse cuts' staircase edges
        interp = cv2.INTER_NEAREST if scores is None else cv2.INTER_LINEAR
        claims = np.stack([
            cv2.resize(c.astype(np.float32), (w, h), interpolation=interp)
            for c in claims
        ])
    else:
        claims = _seed_claims(image, seeds, classes, num_iters,
                              ignore_index).astype(np.float32)
    labelled = seeds != ignore_index
    if scores is not None:
        if scores.shape[1:] != seeds.shape:
            raise ValueError(f'scores {scores.shape} do not fit seeds '
                             f'{seeds.shape}')
        out = classes[(claims + scores[classes]).argmax(0)].astype(np.uint8)
    else:  # the nearest seed among the claiming (or all) classes
        cost = np.stack([
            cv2.distanceTransform((seeds != c).astype(np.uint8),
                                  cv2.DIST_L2, 3) for c in classes
        ])
        claims = claims > 0.5
        masked = np.where(claims | ~claims.any(0)[None], cost, np.inf)
        out = classes[masked.argmin(0)].astype(np.uint8)
    out[labelled] = seeds[labelled]
    return out


def _seed_claims(image, seeds, classes, num_iters, ignore_index):
    """(K, H, W) bool: the pixels each class's cut keeps."""
    labelled = seeds != ignore_index
    claims = np.zeros((len(classes), ) + seeds.shape, bool)
    if len(classes) == 1:
        claims[0] = True
        return claims
    for i, c in enumerate(classes):
        mask = np.full(seeds.shape, cv2.GC_PR_BGD, np.uint8)
        ys, xs = np.nonzero(seeds == c)
        if len(ys) == 0:  # lost to another class's seed when downscaled
            continue
        mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1] = cv2.GC_PR_FGD
        mask[labelled] = cv2.GC_BGD
        mask[seeds == c] = cv2.GC_FGD
        claims[i] = _cut(image, mask, None, num_iters, cv2.GC_INIT_WITH_MASK)
    return claims
