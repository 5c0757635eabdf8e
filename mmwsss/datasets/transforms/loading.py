"""Loading of dense masks and weak annotations."""
import os.path as osp
import zlib
from typing import Optional

import mmcv
import numpy as np
from mmengine import fileio
from mmseg.datasets.transforms import LoadAnnotations

from mmwsss.registry import TRANSFORMS
from ..weak_annotations import (EmptyWeakAnnotation, WeakLabelError,
                                load_label_map, rasterize_strokes,
                                tags_from_mask)

# Keys of weak-annotation records (see BaseWeakAnnotation). They are in the
# coordinates of the original image, so they never stay in ``results`` past
# the loading step.
RECORD_KEYS = ('weak_ann_type', 'points', 'point_labels', 'scribbles',
               'scribble_size', 'scribble_thickness', 'weak_seg_map_path', 'bboxes',
               'bbox_labels', 'tags')


def read_seg_map(results: dict, ignore_index: int = 255,
                 backend_args: Optional[dict] = None,
                 imdecode_backend: str = 'pillow') -> np.ndarray:
    """Read the dense mask of ``results['seg_map_path']`` as mmseg does, and
    check it.

    The dataset's ``ignore_values`` become ``ignore_index``, then
    ``reduce_zero_label`` and the dataset's ``label_map`` apply; values
    outside ``0 .. num_classes - 1`` (other than ``ignore_index``) raise.

    Args:
        results (dict): The sample (``seg_map_path``, ``num_classes``,
            optional ``ignore_values``, ``reduce_zero_label``,
            ``label_map``).
        ignore_index (int): Unlabelled value. Defaults to 255.
        backend_args (dict, optional): File backend arguments.
        imdecode_backend (str): Image decoding backend. Defaults to pillow.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    path = results['seg_map_path']
    try:
        gt = mmcv.imfrombytes(
            fileio.get(path, backend_args=backend_args), flag='unchanged',
            backend=imdecode_backend).squeeze()
    except Exception as e:  # unreadable or missing file
        raise WeakLabelError(f'{path}: cannot read mask ({e})') from e
    if gt.ndim != 2:
        raise WeakLabelError(f'{path}: mask must be single-channel, got '
                             f'shape {gt.shape}')
    gt = gt.astype(np.uint8)
    for v in results.get('ignore_values', ()):
        gt[gt == v] = ignore_index
    if results.get('reduce_zero_label', False):
        gt[gt == 0] = 255
        gt = gt - 1
        gt[gt == 254] = 255
    label_map = results.get('label_map')
    if label_map:
        out = gt.copy()
        for old, new in label_map.items():
            out[gt == old] = new
        gt = out
    num_classes = results['num_classes']
    bad = np.unique(gt[(gt != ignore_index) & (gt >= num_classes)])
    if bad.size:
        raise WeakLabelError(f'{path}: label values {bad.tolist()} out of '
                             f'range 0..{num_classes - 1}')
    return gt


def check_before_geometry(results: dict, transform: str) -> None:
    """Weak labels are in the original image's coordinates: raise when a
    geometric transform already ran."""
    if tuple(results['img_shape'][:2]) != tuple(results['ori_shape'][:2]):
        raise ValueError(
            f'{transform} must come before geometric transforms (weak labels '
            f'are in the coordinates of the original image)')


def image_rng(results: dict, seed: int = 0) -> np.random.Generator:
    """The random generator of a sample's derived labels: seeded by the
    CRC32 of the image's file name plus ``seed``, so they are the same in
    every epoch, worker and process."""
    name = osp.basename(results['img_path']).encode()
    return np.random.default_rng(zlib.crc32(name) + seed)


@TRANSFORMS.register_module()
class LoadWeakAnnotations(LoadAnnotations):
    """Load the dense mask (mmseg's ``LoadAnnotations``) and the weak
    annotation of the dataset's ``weak_label``.

    Each kind has a flag and a loader: ``with_seg`` -> ``_load_seg_map``,
    ``with_points`` -> ``_load_points``, ``with_scribbles`` ->
    ``_load_scribbles``, ``with_boxes`` -> ``_load_boxes``,
    ``with_densepose`` -> ``_load_densepose``, ``with_tags`` ->
    ``_load_tags``. A kind's flag ``None`` (the default) loads it when it is
    the sample's ``weak_label`` (as mmseg's ``reduce_zero_label=None`` follows
    the dataset), so one pipeline serves every kind; ``True`` requires it,
    ``False`` skips it. ``with_tags=None`` adds tags to every sample that has
    a weak label. Samples whose source is ``from_mask`` get only the dense
    mask here: :class:`GenerateWeakLabelsFromMask` makes their weak labels. The record keys of the weak annotation (see
    :class:`~mmwsss.datasets.weak_annotations.BaseWeakAnnotation`) are
    consumed: they never stay in ``results``.

    Weak labels derived from dense masks are made by
    :class:`GenerateWeakLabelsFromMask` instead.

    Required Keys:

    - img_path, img_shape, ori_shape, seg_fields
    - seg_map_path, reduce_zero_label, num_classes, ignore_values (with_seg)
    - weak_label and the weak-annotation record keys (weak kinds)

    Modified Keys:

    - seg_fields

    Added Keys:

    - gt_seg_map (H, W) uint8: the dense mask, with the dataset's
      ``ignore_values`` mapped to ``ignore_index``
    - gt_weak_seg_map (H, W) uint8: scribbles, label-map PNGs and DensePose
      keypoint labels, ``ignore_index`` where unlabelled
    - gt_points (N, 2) float32 (x, y), at the centre of the pixel under each
      click, and gt_points_labels (N,) int64
    - gt_bboxes (N, 4) float32 (x1, y1, x2, y2) and gt_bboxes_labels (N,)
    - gt_tags (T,) int64: the given tags, else the classes of the loaded
      weak labels
    - weak_coords_shape: the (h, w) the points and boxes refer to

    Args:
        with_seg (bool): Load the dense mask when the sample has one.
            Defaults to True (validation); weak training pipelines set False.
        with_points (bool, optional): Load point clicks.
        with_scribbles (bool, optional): Load scribbles (strokes or PNGs).
        with_boxes (bool, optional): Load boxes (or their CAM pseudo-label
            PNGs).
        with_densepose (bool, optional): Load DensePose keypoint label PNGs.
        with_tags (bool, optional): Add image tags.
        ignore_index (int): Unlabelled value. Defaults to 255.
        reduce_zero_label (bool, optional): As mmseg's ``LoadAnnotations``.
        backend_args (dict, optional): File backend arguments.
        imdecode_backend (str): Image decoding backend. Defaults to pillow.
    """

    KINDS = ('points', 'scribbles', 'boxes', 'densepose')

    def __init__(self,
                 with_seg: bool = True,
                 with_points: Optional[bool] = None,
                 with_scribbles: Optional[bool] = None,
                 with_boxes: Optional[bool] = None,
                 with_densepose: Optional[bool] = None,
                 with_tags: Optional[bool] = None,
                 ignore_index: int = 255,
                 reduce_zero_label: Optional[bool] = None,
                 backend_args: Optional[dict] = None,
                 imdecode_backend: str = 'pillow'):
        super().__init__(reduce_zero_label=reduce_zero_label,
                         backend_args=backend_args,
                         imdecode_backend=imdecode_backend)
        self.with_seg = with_seg
        self.with_points = with_points
        self.with_scribbles = with_scribbles
        self.with_boxes = with_boxes
        self.with_densepose = with_densepose
        self.with_tags = with_tags
        self.ignore_index = ignore_index

    # ----------------------------------------------------------- dense mask
    def _load_seg_map(self, results: dict) -> None:
        if results.get('seg_map_path') is None:
            return
        if self.reduce_zero_label is not None:
            results['reduce_zero_label'] = self.reduce_zero_label
        gt = read_seg_map(results, self.ignore_index, self.backend_args,
                          self.imdecode_backend)
        if gt.shape != tuple(results['ori_shape'][:2]):
            raise WeakLabelError(
                f'{results["seg_map_path"]}: mask shape {gt.shape} differs '
                f'from image shape {tuple(results["ori_shape"][:2])}')
        results['gt_seg_map'] = gt
        results.setdefault('seg_fields', []).append('gt_seg_map')

    # ---------------------------------------------------------- weak kinds
    def _record(self, results: dict, key: str, flag: str):
        if key not in results:
            source = results.get('weak_ann_type')
            hint = ('; weak labels of from_mask come from '
                    'GenerateWeakLabelsFromMask, which replaces '
                    'LoadWeakAnnotations in the training pipeline'
                    if source == 'from_mask' else '')
            raise WeakLabelError(
                f'{results.get("weak_ann_file", results["img_path"])}: '
                f'{flag} needs {key!r} for '
                f'{osp.basename(results["img_path"])} '
                f'({results.get("weak_label")} labels), which the weak_ann '
                f'source {source!r} does not give{hint}')
        return results.pop(key)

    def _load_weak_seg_map(self, results: dict, flag: str) -> None:
        path = self._record(results, 'weak_seg_map_path', flag)
        label = load_label_map(path, results['num_classes'],
                               self.ignore_index)
        if label.shape != tuple(results['img_shape'][:2]):
            raise WeakLabelError(
                f'{path}: weak label shape {label.shape} differs from image '
                f'shape {tuple(results["img_shape"][:2])} '
                f'({results["img_path"]})')
        self._add_weak_seg_map(results, label)

    def _add_weak_seg_map(self, results: dict, label: np.ndarray) -> None:
        results['gt_weak_seg_map'] = label
        results.setdefault('seg_fields', []).append('gt_weak_seg_map')

    def _load_points(self, results: dict) -> None:
        if 'points' not in results and 'weak_seg_map_path' in results:
            # dense pseudo-masks of the clicks (PseudoMasks)
            self._load_weak_seg_map(results, 'with_points')
            return
        points = np.asarray(self._record(results, 'points', 'with_points'),
                            np.float32).reshape(-1, 2)
        labels = np.asarray(
            self._record(results, 'point_labels', 'with_points'), np.int64)
        h, w = results['img_shape'][:2]
        outside = ((points[:, 0] < 0) | (points[:, 0] >= w) |
                   (points[:, 1] < 0) | (points[:, 1] >= h))
        if outside.any():
            x, y = points[np.argmax(outside)]
            raise WeakLabelError(
                f'{results.get("weak_ann_file")}: point ({x:.1f}, {y:.1f}) '
                f'of {osp.basename(results["img_path"])} lies outside the '
                f'{w}x{h} image')
        # a click labels the pixel under it: keep points at pixel centres
        results['gt_points'] = (np.floor(points) + 0.5).astype(np.float32)
        results['gt_points_labels'] = labels

    def _load_scribbles(self, results: dict) -> None:
        if 'scribbles' not in results:  # scribbles stored as label PNGs
            self._load_weak_seg_map(results, 'with_scribbles')
            return
        strokes = results.pop('scribbles')
        shape = tuple(self._record(results, 'scribble_size',
                                   'with_scribbles'))
        thickness = results.pop('scribble_thickness', 3)
        if shape != tuple(results['img_shape'][:2]):
            raise WeakLabelError(
                f'{results.get("weak_ann_file")}: size {shape} differs from '
                f'image shape {tuple(results["img_shape"][:2])}')
        self._add_weak_seg_map(
            results,
            rasterize_strokes(strokes, shape, thickness, self.ignore_index))

    def _load_boxes(self, results: dict) -> None:
        if 'bboxes' not in results:  # CAM pseudo-labels of boxes (PNGs)
            self._load_weak_seg_map(results, 'with_boxes')
            return
        boxes = np.asarray(results.pop('bboxes'), np.float32).reshape(-1, 4)
        labels = np.asarray(
            self._record(results, 'bbox_labels', 'with_boxes'), np.int64)
        h, w = results['img_shape'][:2]
        bad = ((boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1]) |
               (boxes[:, 0] < 0) | (boxes[:, 1] < 0) | (boxes[:, 2] > w) |
               (boxes[:, 3] > h))
        if bad.any():
            raise WeakLabelError(
                f'{results.get("weak_ann_file")}: box '
                f'{boxes[np.argmax(bad)].tolist()} of '
                f'{osp.basename(results["img_path"])} has zero area or lies '
                f'outside the {w}x{h} image')
        results['gt_bboxes'] = boxes
        results['gt_bboxes_labels'] = labels

    def _load_densepose(self, results: dict) -> None:
        self._load_weak_seg_map(results, 'with_densepose')

    def _load_tags(self, results: dict) -> None:
        if results.get('weak_label') == 'tags' and \
                'weak_seg_map_path' in results:  # CAM pseudo-labels of tags
            self._load_weak_seg_map(results, 'with_tags')
        if 'tags' in results:
            tags = np.asarray(results.pop('tags'), np.int64)
        else:
            found = [np.zeros(0, np.int64)]
            for key in ('gt_points_labels', 'gt_bboxes_labels'):
                if key in results:
                    found.append(np.asarray(results[key], np.int64))
            for key in ('gt_weak_seg_map', 'gt_seg_map'):
                if key in results:
                    found.append(
                        tags_from_mask(results[key], results['num_classes'],
                                       self.ignore_index))
                    break
            tags = np.unique(np.concatenate(found))
        results['gt_tags'] = tags

    def _wants(self, kind: str, weak_label: Optional[str]) -> bool:
        flag = getattr(self, f'with_{kind}')
        if flag is None:
            return weak_label == kind or (kind == 'tags'
                                          and weak_label is not None)
        return bool(flag)

    def transform(self, results: dict) -> dict:
        kind = results.get('weak_label')
        if results.get('weak_ann_type') == 'from_mask':
            kind = None  # GenerateWeakLabelsFromMask makes these labels
        results.setdefault('seg_fields', [])
        if self.with_seg:
            self._load_seg_map(results)
        if kind is not None:
            check_before_geometry(results, type(self).__name__)
        for k in self.KINDS:
            if self._wants(k, kind):
                getattr(self, f'_load_{k}')(results)
        if self._wants('tags', kind):
            self._load_tags(results)
        for key in RECORD_KEYS:
            results.pop(key, None)
        finish_weak_labels(results, kind, self.ignore_index)
        return results

    def __repr__(self):
        flags = ', '.join(f'with_{k}={getattr(self, "with_" + k)}'
                          for k in ('seg', ) + self.KINDS + ('tags', ))
        return (f'{type(self).__name__}({flags}, ignore_index='
                f'{self.ignore_index})')


def check_not_empty(results: dict, kind: str, ignore_index: int = 255) -> None:
    """Raise :class:`EmptyWeakAnnotation` when a sample of weak label
    ``kind`` carries no label."""
    weak_map = results.get('gt_weak_seg_map')
    has_label = (
        len(results.get('gt_points', ())) > 0
        or len(results.get('gt_bboxes', ())) > 0
        or (weak_map is not None and (weak_map != ignore_index).any())
        or (kind == 'tags' and len(results.get('gt_tags', ())) > 0))
    if not has_label:
        raise EmptyWeakAnnotation(
            f'{results.get("weak_ann_file")}: image '
            f'{osp.basename(results["img_path"])} has no {kind} label')


def finish_weak_labels(results: dict, kind, ignore_index: int = 255) -> None:
    """The last step of a transform that adds weak labels: raise when a
    sample of weak label ``kind`` (None: no weak label) got none, and record
    the frame the points and boxes refer to (``weak_coords_shape``)."""
    if kind is not None:
        check_not_empty(results, kind, ignore_index)
    if 'gt_points' in results or 'gt_bboxes' in results:
        results['weak_coords_shape'] = tuple(results['img_shape'][:2])
