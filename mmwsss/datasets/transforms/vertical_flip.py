"""Random vertical flip that moves weak labels with the image (PMP flips
horizontally and vertically; :class:`WeakRandomFlip` is horizontal only)."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmwsss.registry import TRANSFORMS


@TRANSFORMS.register_module()
class WeakRandomVerticalFlip(BaseTransform):
    """Random vertical (top-bottom) flip, weak labels included.

    The counterpart of :class:`WeakRandomFlip` (same coordinate conventions,
    see ``geometric.py``): a row ``i`` of an ``h`` high image goes to
    ``h - 1 - i``, a point's ``y`` to ``h - y`` (pixel centres stay pixel
    centres), a box's ``(y1, y2)`` to ``(h - y2, h - y1)``. Labels are not
    swapped (left/right pairs keep their side under a vertical flip). Place
    it after :class:`WeakRandomFlip`: when both flipped, ``flip_direction``
    is ``'diagonal'`` (as mmcv names both flips).

    Required Keys:

    - img

    Modified Keys:

    - img, the seg_fields, gt_superpixels, gt_points, gt_bboxes, flip,
      flip_direction

    Args:
        prob (float): Flip probability. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5):
        assert 0 <= prob <= 1
        self.prob = prob

    @cache_randomness
    def _do_flip(self):
        return np.random.rand() < self.prob

    def transform(self, results: dict) -> dict:
        flip = self._do_flip()
        if not flip:
            results.setdefault('flip', False)
            results.setdefault('flip_direction', None)
            return results
        h = results['img'].shape[0]
        results['img'] = np.ascontiguousarray(results['img'][::-1, ...])
        for key in results.get('seg_fields', []):
            results[key] = np.ascontiguousarray(results[key][::-1])
        if 'gt_superpixels' in results:
            results['gt_superpixels'] = np.ascontiguousarray(
                results['gt_superpixels'][::-1])
        if 'gt_points' in results:
            p = results['gt_points'].copy()
            p[:, 1] = h - p[:, 1]
            results['gt_points'] = p
        if 'gt_bboxes' in results:
            b = results['gt_bboxes']
            results['gt_bboxes'] = np.stack(
                [b[:, 0], h - b[:, 3], b[:, 2], h - b[:, 1]], 1)
        horizontal = results.get('flip') and \
            results.get('flip_direction') == 'horizontal'
        results['flip'] = True
        results['flip_direction'] = 'diagonal' if horizontal else 'vertical'
        return results

    def __repr__(self):
        return f'{type(self).__name__}(prob={self.prob})'
