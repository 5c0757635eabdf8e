"""Geometric transforms that move weak labels with the image.

Coordinates are continuous: pixel ``(row i, column j)`` covers
``[j, j + 1) x [i, i + 1)``. Boxes map exactly: ``x -> s * x`` under a resize
by ``s``, ``x -> x - x0`` under a crop at ``x0`` and ``x -> w - x`` under a
horizontal flip of a ``w`` wide image. Points are kept at pixel centres (they
label one pixel): a crop and a flip map centres to centres, and a resize
moves a point to the centre of the destination pixel that the
nearest-neighbour resize of the label maps fills from the point's source pixel
(the one nearest to ``s * x``), so a point always stays on its pixel's label.
Label maps (``seg_fields``: dense mask, weak label map) and the region ids of
``gt_superpixels`` are transformed with nearest-neighbour interpolation; a
flip's ``swap_label_pairs`` apply to labels only, never to region ids.

Every key these transforms leave in ``results`` is moved with the image:
``img``, the ``seg_fields``, ``gt_superpixels``, ``gt_points``,
``gt_bboxes`` (their labels follow) and ``weak_coords_shape`` (the frame the
points and boxes refer to, which ``PackWeakSegInputs`` checks, so a
geometric transform that does not know weak labels is caught).
"""
from typing import Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmwsss.registry import TRANSFORMS


def resize_point_coords(coords: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Pixel-centre coordinates along one axis after a nearest resize.

    ``cv2.INTER_NEAREST`` fills destination pixel ``j`` from source pixel
    ``min(floor(j * src / dst), src - 1)``; a point on source pixel ``c`` moves
    to the centre of the such ``j`` nearest to ``(c + 0.5) * dst / src`` (or of
    the nearest pixel, when a downscale drops column ``c``).
    """
    src_of = np.minimum(np.floor(np.arange(dst) * (src / dst)), src - 1)
    c = np.clip(np.floor(coords), 0, src - 1)
    target = np.floor((c + 0.5) * dst / src)
    lo = np.searchsorted(src_of, c, 'left')
    hi = np.searchsorted(src_of, c, 'right') - 1
    j = np.where(hi >= lo, np.clip(target, lo, np.maximum(hi, lo)),
                 np.clip(target, 0, dst - 1))
    return (j + 0.5).astype(np.float32)


def _map_fields(results, fn):
    """Apply ``fn`` to every label map and to the superpixels."""
    for key in results.get('seg_fields', []):
        results[key] = fn(results[key])
    if 'gt_superpixels' in results:
        results['gt_superpixels'] = fn(results['gt_superpixels'])


def _set_shape(results, shape):
    results['img_shape'] = shape
    if 'weak_coords_shape' in results:
        results['weak_coords_shape'] = shape


def _apply_points(results, fn):
    if 'gt_points' in results:
        results['gt_points'] = fn(results['gt_points'])


def _apply_boxes(results, fn):
    if 'gt_bboxes' in results:
        results['gt_bboxes'] = fn(results['gt_bboxes'])


def _keep(results, prefix, keep):
    results[prefix] = results[prefix][keep]
    results[prefix + '_labels'] = results[prefix + '_labels'][keep]


@TRANSFORMS.register_module()
class WeakRandomResize(BaseTransform):
    """Resize by a random ratio of a base scale, weak labels included.

    The target is ``scale * ratio`` with ``ratio`` uniform in ``ratio_range``
    (as mmcv's ``RandomResize``); with ``keep_ratio`` the image is rescaled to
    fit that size keeping its aspect ratio.

    Required Keys:

    - img

    Modified Keys:

    - img, img_shape, the seg_fields, gt_superpixels, gt_points, gt_bboxes,
      weak_coords_shape

    Added Keys:

    - scale, scale_factor, keep_ratio

    Args:
        scale (tuple[int, int]): Base ``(w, h)``.
        ratio_range (tuple[float, float], optional): Random ratio range.
            None uses ``scale`` as is.
        keep_ratio (bool): Keep the aspect ratio. Defaults to True.
    """

    def __init__(self, scale: Tuple[int, int], ratio_range=None,
                 keep_ratio: bool = True):
        self.scale = tuple(scale)
        self.ratio_range = ratio_range
        self.keep_ratio = keep_ratio

    @cache_randomness
    def _random_ratio(self):
        if self.ratio_range is None:
            return 1.0
        return float(np.random.uniform(*self.ratio_range))

    def transform(self, results: dict) -> dict:
        ratio = self._random_ratio()
        target = (int(self.scale[0] * ratio), int(self.scale[1] * ratio))
        h, w = results['img'].shape[:2]
        if self.keep_ratio:
            new_w, new_h = mmcv.rescale_size((w, h), target)
        else:
            new_w, new_h = target
        sx, sy = new_w / w, new_h / h
        results['img'] = mmcv.imresize(results['img'], (new_w, new_h),
                                       interpolation='bilinear')
        _map_fields(
            results, lambda m: mmcv.imresize(m, (new_w, new_h),
                                             interpolation='nearest'))
        scale = np.array([sx, sy], np.float32)
        _apply_points(
            results, lambda p: np.stack([
                resize_point_coords(p[:, 0], w, new_w),
                resize_point_coords(p[:, 1], h, new_h)
            ], 1).reshape(-1, 2))
        _apply_boxes(results, lambda b: b * np.tile(scale, 2))
        _set_shape(results, (new_h, new_w))
        results['scale'] = (new_w, new_h)
        results['scale_factor'] = (sx, sy)
        results['keep_ratio'] = self.keep_ratio
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(scale={self.scale}, ratio_range='
                f'{self.ratio_range}, keep_ratio={self.keep_ratio})')


@TRANSFORMS.register_module()
class WeakRandomCrop(BaseTransform):
    """Random crop (as mmseg's ``RandomCrop``), weak labels included.

    Points outside the crop are dropped; boxes are clipped to it and dropped
    when nothing is left. ``cat_max_ratio`` is measured on the weak label map
    when the sample has one, else on the dense mask.

    Required Keys:

    - img

    Modified Keys:

    - img, img_shape, the seg_fields, gt_superpixels, gt_points,
      gt_points_labels, gt_bboxes, gt_bboxes_labels, weak_coords_shape

    Args:
        crop_size (tuple[int, int]): ``(h, w)`` of the crop.
        cat_max_ratio (float): Largest share one class may cover; crops are
            re-drawn up to 10 times to satisfy it. Defaults to 1 (off).
        ignore_index (int): Unlabelled value. Defaults to 255.
    """

    def __init__(self, crop_size: Tuple[int, int], cat_max_ratio: float = 1.,
                 ignore_index: int = 255):
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        assert crop_size[0] > 0 and crop_size[1] > 0
        self.crop_size = tuple(crop_size)
        self.cat_max_ratio = cat_max_ratio
        self.ignore_index = ignore_index

    def _draw(self, shape):
        margin_h = max(shape[0] - self.crop_size[0], 0)
        margin_w = max(shape[1] - self.crop_size[1], 0)
        y0 = np.random.randint(0, margin_h + 1)
        x0 = np.random.randint(0, margin_w + 1)
        return (y0, min(y0 + self.crop_size[0], shape[0]), x0,
                min(x0 + self.crop_size[1], shape[1]))

    @cache_randomness
    def crop_bbox(self, results: dict):
        shape = results['img'].shape[:2]
        crop = self._draw(shape)
        ref = results.get('gt_weak_seg_map', results.get('gt_seg_map'))
        if self.cat_max_ratio < 1. and ref is not None:
            for _ in range(10):
                y1, y2, x1, x2 = crop
                labels, counts = np.unique(ref[y1:y2, x1:x2],
                                           return_counts=True)
                counts = counts[labels != self.ignore_index]
                if len(counts) > 1 and counts.max() / counts.sum() < \
                        self.cat_max_ratio:
                    break
                crop = self._draw(shape)
        return crop

    def transform(self, results: dict) -> dict:
        y1, y2, x1, x2 = self.crop_bbox(results)
        results['img'] = results['img'][y1:y2, x1:x2, ...]
        _map_fields(results, lambda m: m[y1:y2, x1:x2])
        h, w = y2 - y1, x2 - x1
        offset = np.array([x1, y1], np.float32)
        if 'gt_points' in results:
            p = results['gt_points'] - offset
            inside = ((p[:, 0] >= 0) & (p[:, 0] < w) & (p[:, 1] >= 0) &
                      (p[:, 1] < h))
            results['gt_points'] = p
            _keep(results, 'gt_points', inside)
        if 'gt_bboxes' in results:
            b = results['gt_bboxes'] - np.tile(offset, 2)
            b[:, 0::2] = b[:, 0::2].clip(0, w)
            b[:, 1::2] = b[:, 1::2].clip(0, h)
            results['gt_bboxes'] = b
            _keep(results, 'gt_bboxes', (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1]))
        _set_shape(results, (h, w))
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(crop_size={self.crop_size}, '
                f'cat_max_ratio={self.cat_max_ratio})')


@TRANSFORMS.register_module()
class WeakRandomFlip(BaseTransform):
    """Random flip, weak labels included.

    ``direction='horizontal'`` flips left-right: column ``j`` of a ``w`` wide
    image goes to ``w - 1 - j``, a point's ``x`` to ``w - x``, a box's
    ``(x1, x2)`` to ``(w - x2, w - x1)``. ``'vertical'`` flips top-bottom the
    same way along the rows; placed after a horizontal flip that flipped, it
    sets ``flip_direction`` to ``'diagonal'`` (as mmcv names both flips),
    and when it does not flip it leaves ``flip`` and ``flip_direction`` as
    they are.

    Required Keys:

    - img

    Modified Keys:

    - img, the seg_fields, gt_superpixels, gt_points, gt_points_labels,
      gt_bboxes, gt_bboxes_labels, gt_tags

    Added Keys:

    - flip, flip_direction

    Args:
        prob (float): Flip probability. Defaults to 0.5.
        swap_label_pairs (Sequence[tuple[int, int]]): Label pairs exchanged by
            a horizontal flip (left/right body parts on DensePose), in every
            label map and in point and box labels. A vertical flip keeps
            left and right and takes none.
        direction (str): ``'horizontal'`` or ``'vertical'``. Defaults to
            ``'horizontal'``.
    """

    def __init__(self, prob: float = 0.5,
                 swap_label_pairs: Sequence[Tuple[int, int]] = (),
                 direction: str = 'horizontal'):
        assert 0 <= prob <= 1
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f"direction must be 'horizontal' or 'vertical', "
                             f'got {direction!r}')
        if direction == 'vertical' and swap_label_pairs:
            raise ValueError('a vertical flip keeps left and right: it takes '
                             'no swap_label_pairs')
        self.prob = prob
        self.direction = direction
        self.swap_label_pairs = [tuple(p) for p in swap_label_pairs]
        lut = np.arange(256, dtype=np.uint8)
        for a, b in self.swap_label_pairs:
            lut[a], lut[b] = b, a
        self._lut = lut

    @cache_randomness
    def _do_flip(self):
        return np.random.rand() < self.prob

    def _set_flip(self, results: dict, flip: bool) -> None:
        if self.direction == 'horizontal':
            results['flip'] = flip
            results['flip_direction'] = 'horizontal' if flip else None
        elif not flip:
            results.setdefault('flip', False)
            results.setdefault('flip_direction', None)
        else:
            horizontal = results.get('flip') and \
                results.get('flip_direction') == 'horizontal'
            results['flip'] = True
            results['flip_direction'] = 'diagonal' if horizontal \
                else 'vertical'

    def transform(self, results: dict) -> dict:
        flip = self._do_flip()
        self._set_flip(results, flip)
        if not flip:
            return results
        vertical = self.direction == 'vertical'
        axis = 0 if vertical else 1  # the flipped image axis
        size = results['img'].shape[axis]
        results['img'] = np.ascontiguousarray(np.flip(results['img'], axis))
        for key in results.get('seg_fields', []):
            flipped = np.flip(results[key], axis)
            if self.swap_label_pairs:
                flipped = self._lut[flipped]
            results[key] = np.ascontiguousarray(flipped)
        if 'gt_superpixels' in results:  # region ids: no label swap
            results['gt_superpixels'] = np.ascontiguousarray(
                np.flip(results['gt_superpixels'], axis))

        def flip_points(p):
            p = p.copy()
            p[:, 1 - axis] = size - p[:, 1 - axis]
            return p

        def flip_boxes(b):
            if vertical:
                return np.stack([b[:, 0], size - b[:, 3], b[:, 2],
                                 size - b[:, 1]], 1)
            return np.stack([size - b[:, 2], b[:, 1], size - b[:, 0],
                             b[:, 3]], 1)

        _apply_points(results, flip_points)
        _apply_boxes(results, flip_boxes)
        if self.swap_label_pairs:
            for key in ('gt_points_labels', 'gt_bboxes_labels', 'gt_tags'):
                if key in results:
                    results[key] = self._lut[results[key]].astype(np.int64)
            if 'gt_tags' in results:
                results['gt_tags'] = np.unique(results['gt_tags'])
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(prob={self.prob}, swap_label_pairs='
                f'{self.swap_label_pairs}, direction={self.direction!r})')


@TRANSFORMS.register_module()
class WeakRandomVerticalFlip(WeakRandomFlip):
    """``WeakRandomFlip(direction='vertical')``: PMP flips vertically too.
    Place it after the horizontal :class:`WeakRandomFlip`.

    Args:
        prob (float): Flip probability. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5):
        super().__init__(prob=prob, direction='vertical')

    def __repr__(self):
        return f'{type(self).__name__}(prob={self.prob})'
