"""Weak labels derived from dense masks (datasets without real weak labels)."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmwsss.registry import TRANSFORMS
from ..generators import (boxes_from_mask, connected_segments,
                          points_from_mask, scribbles_from_mask)
from ..weak_annotations import tags_from_mask
from .loading import (check_before_geometry, finish_weak_labels, image_rng,
                      read_seg_map)


@TRANSFORMS.register_module()
class GenerateWeakLabelsFromMask(BaseTransform):
    """Derive the sample's ``weak_label`` from its dense mask.

    For datasets with ``weak_ann=dict(type='from_mask')``, in place of
    :class:`LoadWeakAnnotations` in the training pipeline, before the
    geometric transforms. The mask is read from ``seg_map_path`` (as
    :class:`LoadWeakAnnotations` reads it) and is not added to ``results``.
    The labels are deterministic per image: the random parts are seeded by
    the image's file name and ``seed``.

    - points: one click at the innermost pixel of every segment of at least
      ``min_area`` pixels, ``num_background_points`` random clicks per
      background class (:func:`points_from_mask`);
    - scribbles: the medial axis of every segment, ``length_ratio`` of it,
      ``thickness`` pixels wide (:func:`scribbles_from_mask`);
    - boxes: one tight box per segment (:func:`boxes_from_mask`);
    - tags: the classes present.

    Required Keys:

    - img_path, img_shape, ori_shape, seg_map_path, num_classes, weak_label
    - ignore_values, reduce_zero_label, label_map (optional)

    Modified Keys:

    - seg_fields (scribbles)

    Added Keys:

    - gt_points (N, 2) float32, gt_points_labels (N,) int64 (points)
    - gt_weak_seg_map (H, W) uint8 (scribbles)
    - gt_bboxes (N, 4) float32, gt_bboxes_labels (N,) int64 (boxes)
    - gt_tags (T,) int64: the classes of the mask
    - weak_coords_shape (points, boxes)

    Args:
        background_classes (Sequence[int]): Classes that get random
            background clicks instead of centre clicks, and no box.
        num_background_points (int): Random clicks per background class.
        min_area (int, optional): Segments smaller than this get no label.
            Defaults to 16 for scribbles and 1 otherwise.
        length_ratio (float): Share of the medial axis a scribble keeps.
        thickness (int): Scribble width in pixels. Defaults to 3.
        seed (int): Seed of the random parts. Defaults to 0.
        ignore_index (int): Unlabelled value. Defaults to 255.
        backend_args (dict, optional): File backend arguments.
        imdecode_backend (str): Mask decoding backend. Defaults to pillow.
    """

    KINDS = ('points', 'scribbles', 'boxes', 'tags')

    def __init__(self,
                 background_classes: Sequence[int] = (),
                 num_background_points: int = 0,
                 min_area: Optional[int] = None,
                 length_ratio: float = 1.0,
                 thickness: int = 3,
                 seed: int = 0,
                 ignore_index: int = 255,
                 backend_args: Optional[dict] = None,
                 imdecode_backend: str = 'pillow'):
        if not 0 < length_ratio <= 1:
            raise ValueError(f'length_ratio must be in (0, 1], got '
                             f'{length_ratio}')
        if thickness < 1:
            raise ValueError(f'thickness must be >= 1, got {thickness}')
        if num_background_points < 0:
            raise ValueError(f'num_background_points must be >= 0, got '
                             f'{num_background_points}')
        self.background_classes = tuple(background_classes)
        self.num_background_points = num_background_points
        self.min_area = min_area
        self.length_ratio = length_ratio
        self.thickness = thickness
        self.seed = seed
        self.ignore_index = ignore_index
        self.backend_args = backend_args
        self.imdecode_backend = imdecode_backend

    def generate(self, results: dict) -> dict:
        """The weak labels of one sample, from its mask.

        Args:
            results (dict): The sample or its data info (``seg_map_path``,
                ``img_path``, ``num_classes``, ``weak_label``, ...).

        Returns:
            dict: The added keys (see the class docstring).
        """
        kind = results.get('weak_label')
        if kind not in self.KINDS:
            raise ValueError(
                f'{type(self).__name__} derives {self.KINDS} from masks, not '
                f'{kind!r} ({results.get("img_path")})')
        if results.get('seg_map_path') is None:
            raise ValueError(
                f'{type(self).__name__} needs the dense mask, but '
                f'{results.get("img_path")} has no seg_map_path')
        gt = read_seg_map(results, self.ignore_index, self.backend_args,
                          self.imdecode_backend)
        rng = image_rng(results, self.seed)
        out = dict(gt_tags=tags_from_mask(gt, results['num_classes'],
                                          self.ignore_index))
        if kind == 'points':
            out['gt_points'], out['gt_points_labels'] = points_from_mask(
                gt, self.background_classes, self.num_background_points,
                self.min_area or 1, self.ignore_index, rng)
        elif kind == 'scribbles':
            out['gt_weak_seg_map'] = scribbles_from_mask(
                gt, self.length_ratio, self.thickness, self.min_area or 16,
                self.ignore_index)
        elif kind == 'boxes':
            out['gt_bboxes'], out['gt_bboxes_labels'] = boxes_from_mask(
                gt, self.background_classes, self.min_area or 1,
                self.ignore_index)
        return out

    def transform(self, results: dict) -> dict:
        check_before_geometry(results, type(self).__name__)
        generated = self.generate(results)
        results.update(generated)
        results['weak_ann_file'] = results['seg_map_path']
        if 'gt_weak_seg_map' in generated:
            results.setdefault('seg_fields', []).append('gt_weak_seg_map')
        finish_weak_labels(results, results['weak_label'], self.ignore_index)
        return results

    def is_empty(self, info: dict) -> bool:
        """Whether the sample of ``info`` would get no weak label.

        Decided from the mask's connected segments, without generating the
        labels: every segment of at least ``min_area`` pixels gets a click, a
        box (both unless its class is a background class) and a stroke (a
        skeleton never vanishes), and background classes present get clicks
        when ``num_background_points > 0``.
        """
        kind = info['weak_label']
        gt = read_seg_map(info, self.ignore_index, self.backend_args,
                          self.imdecode_backend)
        present = tags_from_mask(gt, info['num_classes'], self.ignore_index)
        if kind == 'tags':
            return len(present) == 0
        if kind == 'points' and self.num_background_points > 0 and np.isin(
                present, self.background_classes).any():
            return False
        skip = () if kind == 'scribbles' else self.background_classes
        min_area = self.min_area or (16 if kind == 'scribbles' else 1)
        segments = connected_segments(gt, self.ignore_index, skip, min_area)
        return next(segments, None) is None

    def __repr__(self):
        return (f'{type(self).__name__}(background_classes='
                f'{self.background_classes}, num_background_points='
                f'{self.num_background_points}, min_area={self.min_area}, '
                f'length_ratio={self.length_ratio}, thickness='
                f'{self.thickness}, seed={self.seed})')
