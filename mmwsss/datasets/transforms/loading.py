import os.path as osp
import zlib

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from mmwsss.registry import TRANSFORMS
from ..generators import boxes_from_mask, points_from_mask, scribbles_from_mask
from ..weak_annotations import (WeakLabelError, load_label_map,
                                points_from_label_map, rasterize_strokes,
                                tags_from_mask)


@TRANSFORMS.register_module()
class LoadWeakAnnotations(BaseTransform):
    """Load the dense mask (when there is one) and the weak annotation.

    Runs after ``LoadImageFromFile``. Adds, depending on the sample's
    ``weak_label``:

    - ``gt_seg_map`` (H, W) uint8: the dense mask (if ``with_dense_gt`` or
      needed to derive weak labels), with the dataset's ``ignore_values``
      mapped to ``ignore_index``;
    - ``gt_weak_seg_map`` (H, W) uint8: scribbles, label-map PNGs and
      DensePose keypoint labels, ``ignore_index`` where unlabelled;
    - ``gt_points`` (N, 2) float32 (x, y), moved to the centre of the pixel
      under each click, and ``gt_points_labels`` (N,);
    - ``gt_bboxes`` (N, 4) float32 (x1, y1, x2, y2), ``gt_bboxes_labels`` (N,);
    - ``gt_tags`` (T,) int64: image tags (given, or the classes of the other
      weak labels).

    Weak labels derived from the dense mask (``weak_ann.type='from_mask'``)
    are generated here, deterministically per image (the random parts are
    seeded by the image name and ``seed``). Their parameters:
    ``background_classes`` (default ``()``), ``num_background_points``
    (default 0), ``min_area`` (default 1; 16 for scribbles),
    ``length_ratio`` (scribbles, default 1.0), ``thickness`` (default 3),
    ``seed`` (default 0).

    Args:
        with_dense_gt (bool): Load the dense mask when it exists. Defaults to
            True (validation); training pipelines may set False.
        ignore_index (int): Unlabelled value. Defaults to 255.
        backend_args (dict, optional): File backend arguments.
    """

    def __init__(self, with_dense_gt=True, ignore_index=255, backend_args=None):
        self.with_dense_gt = with_dense_gt
        self.ignore_index = ignore_index
        self.backend_args = backend_args

    def _load_dense(self, results):
        path = results['seg_map_path']
        try:
            gt = mmcv.imfrombytes(
                fileio.get(path, backend_args=self.backend_args),
                flag='unchanged', backend='pillow').squeeze()
        except Exception as e:  # unreadable or missing file
            raise WeakLabelError(f'{path}: cannot read mask ({e})') from e
        if gt.ndim != 2:
            raise WeakLabelError(f'{path}: mask must be single-channel, got '
                                 f'shape {gt.shape}')
        gt = gt.astype(np.uint8)
        for v in results.get('ignore_values', ()):
            gt[gt == v] = self.ignore_index
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
        bad = np.unique(gt[(gt != self.ignore_index) & (gt >= num_classes)])
        if bad.size:
            raise WeakLabelError(f'{path}: label values {bad.tolist()} out of '
                                 f'range 0..{num_classes - 1}')
        if gt.shape != tuple(results['ori_shape'][:2]):
            raise WeakLabelError(f'{path}: mask shape {gt.shape} differs from '
                                 f'image shape {results["ori_shape"][:2]}')
        return gt

    def _check_shape(self, label, results, path):
        if label.shape != results['img_shape'][:2]:
            raise WeakLabelError(
                f'{path}: weak label shape {label.shape} differs from image '
                f'shape {results["img_shape"][:2]} ({results["img_path"]})')

    def _check_points(self, points, results):
        h, w = results['img_shape'][:2]
        outside = ((points[:, 0] < 0) | (points[:, 0] >= w) |
                   (points[:, 1] < 0) | (points[:, 1] >= h))
        if outside.any():
            x, y = points[np.argmax(outside)]
            raise WeakLabelError(
                f'{results.get("weak_ann_file")}: point ({x:.1f}, {y:.1f}) of '
                f'{osp.basename(results["img_path"])} lies outside the '
                f'{w}x{h} image')

    def _check_boxes(self, boxes, results):
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

    def _from_mask(self, results, kind, gt, params):
        seed = params.get('seed', 0)
        name = osp.basename(results['img_path']).encode()
        rng = np.random.default_rng(zlib.crc32(name) + seed)
        bg = tuple(params.get('background_classes', ()))
        if kind == 'points':
            pts, labels = points_from_mask(
                gt, bg, params.get('num_background_points', 0),
                params.get('min_area', 1), self.ignore_index, rng)
            results['gt_points'], results['gt_points_labels'] = pts, labels
        elif kind == 'scribbles':
            results['gt_weak_seg_map'] = scribbles_from_mask(
                gt, params.get('length_ratio', 1.0),
                params.get('thickness', 3), params.get('min_area', 16),
                self.ignore_index)
        elif kind == 'boxes':
            boxes, labels = boxes_from_mask(gt, bg, params.get('min_area', 1),
                                            self.ignore_index)
            results['gt_bboxes'], results['gt_bboxes_labels'] = boxes, labels
        results['gt_tags'] = tags_from_mask(gt, results['num_classes'],
                                            self.ignore_index)

    def transform(self, results: dict) -> dict:
        kind = results.get('weak_label')
        from_mask = results.get('weak_from_mask')
        has_dense = results.get('seg_map_path') is not None
        seg_fields = results.setdefault('seg_fields', [])
        gt = None
        if has_dense and (self.with_dense_gt or from_mask is not None):
            gt = self._load_dense(results)
            if self.with_dense_gt:
                results['gt_seg_map'] = gt
                seg_fields.append('gt_seg_map')
        if kind is None:
            return results
        if tuple(results['img_shape'][:2]) != tuple(results['ori_shape'][:2]):
            raise ValueError(
                'LoadWeakAnnotations must come before geometric transforms '
                '(weak labels are in the coordinates of the original image)')

        if from_mask is not None:
            self._from_mask(results, kind, gt, from_mask)
        if 'scribbles' in results:
            shape = tuple(results['scribble_size'])
            if shape != results['img_shape'][:2]:
                raise WeakLabelError(
                    f'{results["weak_ann_file"]}: size {shape} differs from '
                    f'image shape {results["img_shape"][:2]}')
            results['gt_weak_seg_map'] = rasterize_strokes(
                results['scribbles'], shape, results['scribble_thickness'],
                self.ignore_index)
        if 'weak_seg_map_path' in results:
            path = results['weak_seg_map_path']
            label = load_label_map(path, results['num_classes'],
                                   self.ignore_index)
            self._check_shape(label, results, path)
            if (label == self.ignore_index).all():
                raise WeakLabelError(f'{path}: label map has no labelled '
                                     f'pixel')
            if kind == 'points':
                (results['gt_points'],
                 results['gt_points_labels']) = points_from_label_map(
                     label, self.ignore_index)
            else:
                results['gt_weak_seg_map'] = label
        if 'points' in results:
            results['gt_points'] = results['points'].astype(np.float32)
            results['gt_points_labels'] = results['point_labels']
        if 'gt_points' in results:
            self._check_points(results['gt_points'], results)
            # a click labels the pixel under it: keep points at pixel centres
            results['gt_points'] = (np.floor(results['gt_points']) +
                                    0.5).astype(np.float32)
        if 'bboxes' in results:
            results['gt_bboxes'] = results['bboxes'].astype(np.float32)
            results['gt_bboxes_labels'] = results['bbox_labels']
        if 'gt_bboxes' in results:
            self._check_boxes(results['gt_bboxes'], results)
        if 'gt_weak_seg_map' in results:
            seg_fields.append('gt_weak_seg_map')
        if 'gt_tags' not in results:
            results['gt_tags'] = self._derive_tags(results)
        self._check_not_empty(results, kind)
        return results

    def _check_not_empty(self, results, kind):
        weak_map = results.get('gt_weak_seg_map')
        has_label = (
            len(results.get('gt_points', ())) > 0
            or len(results.get('gt_bboxes', ())) > 0
            or (weak_map is not None and (weak_map != self.ignore_index).any())
            or (kind == 'tags' and len(results['gt_tags']) > 0))
        if not has_label:
            raise WeakLabelError(
                f'{results.get("weak_ann_file")}: image '
                f'{osp.basename(results["img_path"])} has no {kind} label')

    def _derive_tags(self, results):
        if 'tags' in results:
            return np.asarray(results['tags'], np.int64)
        found = []
        for key in ('gt_points_labels', 'gt_bboxes_labels'):
            if key in results:
                found.append(np.asarray(results[key], np.int64))
        if 'gt_weak_seg_map' in results:
            found.append(
                tags_from_mask(results['gt_weak_seg_map'],
                               results['num_classes'], self.ignore_index))
        if not found:
            return np.zeros(0, np.int64)
        return np.unique(np.concatenate(found))

    def __repr__(self):
        return (f'{type(self).__name__}(with_dense_gt={self.with_dense_gt}, '
                f'ignore_index={self.ignore_index})')
