"""Low-level over-segmentations (superpixels) for SPML's image relation."""
import os.path as osp

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmwsss.registry import TRANSFORMS

MAX_REGIONS = 65535  # stored as uint16


def _as_region_map(regions: np.ndarray, source: str) -> np.ndarray:
    regions = np.asarray(regions)
    if regions.ndim != 2:
        raise ValueError(f'{source}: over-segmentation must be one channel, '
                         f'got shape {regions.shape}')
    _, inverse = np.unique(regions, return_inverse=True)
    if inverse.max(initial=0) >= MAX_REGIONS:
        raise ValueError(f'{source}: more than {MAX_REGIONS} regions')
    return inverse.reshape(regions.shape).astype(np.uint16)


@TRANSFORMS.register_module()
class GenerateSuperpixels(BaseTransform):
    """Over-segment the (augmented) image on the fly into
    ``results['gt_superpixels']`` (uint16 region ids, consecutive from 0).

    Place it after the geometric transforms, so that it runs on the crop.

    Required Keys:

    - img

    Added Keys:

    - gt_superpixels (H, W) uint16

    Args:
        method (str): ``'felzenszwalb'`` or ``'slic'`` (scikit-image).
        **kwargs: Arguments of ``skimage.segmentation.<method>``; defaults
            are ``scale=100, sigma=0.8, min_size=50`` (Felzenszwalb) and
            ``n_segments=100, compactness=10, start_label=0`` (SLIC).
    """

    DEFAULTS = dict(
        felzenszwalb=dict(scale=100, sigma=0.8, min_size=50),
        slic=dict(n_segments=100, compactness=10, start_label=0))

    def __init__(self, method: str = 'felzenszwalb', **kwargs):
        if method not in self.DEFAULTS:
            raise ValueError(f"method must be one of {list(self.DEFAULTS)}, "
                             f"got {method!r}")
        self.method = method
        self.kwargs = {**self.DEFAULTS[method], **kwargs}

    def transform(self, results: dict) -> dict:
        from skimage import segmentation
        img = results['img']
        if img.ndim == 3:
            img = img[..., ::-1]  # BGR (mmcv) -> RGB
        regions = getattr(segmentation, self.method)(
            np.ascontiguousarray(img), **self.kwargs)
        results['gt_superpixels'] = _as_region_map(
            regions, results.get('img_path', 'image'))
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(method={self.method!r}, ' \
               f'{self.kwargs})'


@TRANSFORMS.register_module()
class LoadSuperpixels(BaseTransform):
    """Load a precomputed over-segmentation PNG (e.g. HED + gPb-owt-ucm
    regions, as SegSort and SPML use) into ``results['gt_superpixels']``.

    The file is ``<dir>/<image name without extension><suffix>``: a
    one-channel 8- or 16-bit PNG of region ids, or a colour PNG whose
    distinct colours are the regions. Place it before the geometric
    transforms, which move ``gt_superpixels`` with the image (region ids are
    kept out of ``seg_fields``: they are no labels).

    Required Keys:

    - img_path, img_shape

    Added Keys:

    - gt_superpixels (H, W) uint16

    Args:
        dir (str): Directory of the PNGs.
        suffix (str): File suffix. Defaults to ``'.png'``.
    """

    def __init__(self, dir: str, suffix: str = '.png'):
        self.dir = dir
        self.suffix = suffix

    def transform(self, results: dict) -> dict:
        name = osp.splitext(osp.basename(results['img_path']))[0]
        path = osp.join(self.dir, name + self.suffix)
        regions = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if regions is None:
            raise FileNotFoundError(f'{path}: over-segmentation not found or '
                                    f'not an image ({results["img_path"]})')
        if regions.ndim == 3:
            regions = regions[..., :3].astype(np.int64)
            regions = (regions[..., 0] << 16) | (regions[..., 1] << 8) | \
                regions[..., 2]
        if regions.shape != tuple(results['img_shape'][:2]):
            raise ValueError(f'{path}: size {regions.shape} differs from the '
                             f'image {tuple(results["img_shape"][:2])}')
        results['gt_superpixels'] = _as_region_map(regions, path)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(dir={self.dir!r})'
