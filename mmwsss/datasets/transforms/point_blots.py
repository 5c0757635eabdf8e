"""PMP's point blots (:func:`~mmwsss.datasets.generators.point_blots`) as
training label maps: made on the fly (optionally cached) or loaded."""
import inspect
import os
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmwsss.registry import TRANSFORMS
from ..generators import point_blots
from .loading import check_before_geometry, image_rng

# the arguments of point_blots a transform may set
BLOT_ARGS = tuple(
    name for name in inspect.signature(point_blots).parameters
    if name not in ('image', 'points', 'labels', 'num_classes', 'rng',
                    'perturbed'))


def _name(results: dict) -> str:
    return osp.splitext(osp.basename(results['img_path']))[0]


def read_blots(path: str, shape, num_classes: Optional[int] = None,
               ignore_index: int = 255) -> np.ndarray:
    """A blot PNG: one channel of the image's ``shape`` (H, W), labels in
    ``[0, num_classes)`` or ``ignore_index``; errors name the file."""
    blots = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if blots is None:
        raise FileNotFoundError(f'{path}: point blots not found or not an '
                                f'image')
    if blots.ndim != 2:
        raise ValueError(f'{path}: point blots must be one channel, got '
                         f'shape {blots.shape}')
    if blots.shape != tuple(shape[:2]):
        raise ValueError(f'{path}: size {blots.shape} differs from the image '
                         f'{tuple(shape[:2])}')
    if num_classes is not None:
        bad = (blots >= num_classes) & (blots != ignore_index)
        if bad.any():
            raise ValueError(f'{path}: label {blots[bad][0]} outside [0, '
                             f'{num_classes}) and not {ignore_index}')
    return blots.astype(np.uint8)


def write_blots(path: str, blots: np.ndarray) -> None:
    """Write a blot PNG atomically (readers never see half a file)."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    tmp = f'{path}.{os.getpid()}.tmp.png'
    if not cv2.imwrite(tmp, blots):
        raise OSError(f'{path}: could not write the point blots')
    os.replace(tmp, path)


def _add(results: dict, blots: np.ndarray) -> None:
    results['gt_point_blots'] = blots
    fields = results.setdefault('seg_fields', [])
    if 'gt_point_blots' not in fields:
        fields.append('gt_point_blots')


@TRANSFORMS.register_module()
class GeneratePointBlots(BaseTransform):
    """Grow PMP's point blots from the sample's point clicks into
    ``results['gt_point_blots']``.

    Place it after the step that gives the points (``LoadWeakAnnotations``
    or ``GenerateWeakLabelsFromMask``) and before the geometric transforms,
    which move ``gt_point_blots`` with the image (it is a ``seg_field``). The
    blots are deterministic per image: the perturbations are seeded by the
    CRC32 of the image's file name plus ``seed``.

    With ``cache_dir``, the blots of image ``NAME.ext`` are read from
    ``cache_dir/NAME.png`` when that file exists (it must have the image's
    size), and otherwise computed and written there (atomically). The cache
    does not record the arguments: empty it after changing them.
    ``tools/dataset_converters/make_point_blots.py`` fills it for a whole
    dataset; :class:`LoadPointBlots` reads such a directory only.

    Required Keys:

    - img, img_path, img_shape, ori_shape, gt_points, gt_points_labels
    - num_classes (unless given)

    Modified Keys:

    - seg_fields

    Added Keys:

    - gt_point_blots (H, W) uint8: blot labels, ``ignore_index`` elsewhere

    Args:
        seed (int): Added to the file name's CRC32. Defaults to 0.
        cache_dir (str, optional): Directory of cached blot PNGs. Defaults
            to None (no cache).
        num_classes (int, optional): Defaults to ``results['num_classes']``.
        **kwargs: Arguments of :func:`point_blots` (``num_perturbations``,
            ``max_rotation``, ``max_translation``, ``kl_threshold``,
            ``iou_threshold``, ``prob_threshold``, ``num_bins``, ``walk``,
            ``ignore_index``, ``window``, ``min_reach``).
    """

    def __init__(self, seed: int = 0, cache_dir: Optional[str] = None,
                 num_classes: Optional[int] = None, **kwargs):
        unknown = set(kwargs) - set(BLOT_ARGS)
        if unknown:
            raise TypeError(f'{type(self).__name__}: unknown arguments '
                            f'{sorted(unknown)}; point_blots takes '
                            f'{list(BLOT_ARGS)}')
        self.seed = seed
        self.cache_dir = cache_dir
        self.num_classes = num_classes
        self.kwargs = kwargs
        self.ignore_index = kwargs.get('ignore_index', 255)

    def _num_classes(self, results: dict) -> int:
        if self.num_classes is not None:
            return self.num_classes
        if 'num_classes' not in results:
            raise KeyError(f'{type(self).__name__}: results of '
                           f'{results.get("img_path")} have no num_classes; '
                           f'pass num_classes=')
        return results['num_classes']

    def generate(self, results: dict) -> np.ndarray:
        """The blots of the sample (``img``, ``img_path``, ``gt_points``,
        ``gt_points_labels``), computed (no cache)."""
        missing = [k for k in ('img', 'gt_points', 'gt_points_labels')
                   if k not in results]
        if missing:
            raise KeyError(
                f'{type(self).__name__} needs {missing} for '
                f'{results.get("img_path")}: place it after the image and '
                f'the point labels are loaded (LoadImageFromFile, '
                f'LoadWeakAnnotations or GenerateWeakLabelsFromMask)')
        rng = image_rng(results, self.seed)
        try:
            return point_blots(results['img'], results['gt_points'],
                               results['gt_points_labels'],
                               self._num_classes(results), rng=rng,
                               **self.kwargs)
        except ValueError as e:
            raise ValueError(f'{results["img_path"]}: {e}') from e

    def transform(self, results: dict) -> dict:
        check_before_geometry(results, type(self).__name__)
        shape = results['img'].shape[:2]
        path = None
        if self.cache_dir is not None:
            path = osp.join(self.cache_dir, _name(results) + '.png')
            if osp.exists(path):
                _add(results, read_blots(path, shape,
                                         self._num_classes(results),
                                         self.ignore_index))
                return results
        blots = self.generate(results)
        if path is not None:
            write_blots(path, blots)
        _add(results, blots)
        return results

    def __repr__(self):
        args = ''.join(f', {k}={v!r}' for k, v in self.kwargs.items())
        return (f'{type(self).__name__}(seed={self.seed}, cache_dir='
                f'{self.cache_dir!r}{args})')


@TRANSFORMS.register_module()
class LoadPointBlots(BaseTransform):
    """Load precomputed point blots (``make_point_blots.py``, or the cache of
    :class:`GeneratePointBlots`) into ``results['gt_point_blots']``.

    The file is ``<blot_dir>/<image name without extension><suffix>``, a
    one-channel PNG of the image's size. Place it before the geometric
    transforms, which move ``gt_point_blots`` (a ``seg_field``).

    Required Keys:

    - img_path, img_shape, ori_shape

    Modified Keys:

    - seg_fields

    Added Keys:

    - gt_point_blots (H, W) uint8

    Args:
        blot_dir (str): Directory of the PNGs.
        suffix (str): File suffix. Defaults to ``'.png'``.
        ignore_index (int): Unlabelled value; other values must be classes
            (checked when the sample has ``num_classes``). Defaults to 255.
    """

    def __init__(self, blot_dir: str, suffix: str = '.png',
                 ignore_index: int = 255):
        self.blot_dir = blot_dir
        self.suffix = suffix
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        check_before_geometry(results, type(self).__name__)
        path = osp.join(self.blot_dir, _name(results) + self.suffix)
        if not osp.exists(path):
            raise FileNotFoundError(f'{path}: point blots of '
                                    f'{results["img_path"]} not found')
        _add(results, read_blots(path, results['img_shape'],
                                 results.get('num_classes'),
                                 self.ignore_index))
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(blot_dir={self.blot_dir!r}, '
                f'suffix={self.suffix!r})')
