"""PMP's VOC points: box centres and background clicks outside the boxes."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmwsss.registry import TRANSFORMS
from ..generators import points_from_boxes
from .loading import check_before_geometry, finish_weak_labels, image_rng


@TRANSFORMS.register_module()
class PointsFromBoxes(BaseTransform):
    """Turn the sample's boxes into PMP's point clicks, and train it as
    points.

    PMP (Akiva & Dana) makes its VOC points from the ground-truth boxes: one
    object click at the centre of every box (it may fall off the object) and
    ``num_background_points`` background clicks per box, drawn uniformly
    among the pixels outside all boxes (:func:`points_from_boxes`; an image
    whose boxes cover every pixel gets no background click). The clicks are
    at pixel centres, ``floor(centre) + 0.5`` clipped into the image, as
    :class:`LoadWeakAnnotations` puts loaded clicks. They are deterministic
    per image: the background draw is seeded by the CRC32 of the image's file
    name plus ``seed``.

    Place it right after ``LoadWeakAnnotations`` of a dataset with
    ``weak_label='boxes'`` (e.g. ``weak_ann=dict(type='voc_xml', ...)``) and
    before the geometric transforms and ``GeneratePointBlots``. The sample
    then is a point sample: ``weak_label`` becomes ``'points'`` (so
    ``PackWeakSegInputs`` rasterises the clicks only, with no box fill or box
    background), ``gt_bboxes`` and ``gt_bboxes_labels`` are removed, and
    ``gt_tags`` gains the classes of the clicks (``bg_label`` when background
    clicks were drawn), as tags of loaded clicks do.

    Required Keys:

    - img_path, img_shape, ori_shape, gt_bboxes, gt_bboxes_labels

    Modified Keys:

    - weak_label, gt_tags, weak_coords_shape

    Added Keys:

    - gt_points (N, 2) float32 (x, y), gt_points_labels (N,) int64

    Removed Keys:

    - gt_bboxes, gt_bboxes_labels

    Args:
        num_background_points (int): Background clicks per box. Defaults
            to 4.
        bg_label (int): Label of the background clicks. Defaults to 0.
        seed (int): Added to the file name's CRC32. Defaults to 0.
        ignore_index (int): Unlabelled value. Defaults to 255.
    """

    def __init__(self, num_background_points: int = 4, bg_label: int = 0,
                 seed: int = 0, ignore_index: int = 255):
        if num_background_points < 0:
            raise ValueError(f'num_background_points must be >= 0, got '
                             f'{num_background_points}')
        self.num_background_points = num_background_points
        self.bg_label = bg_label
        self.seed = seed
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        name = type(self).__name__
        check_before_geometry(results, name)
        missing = [k for k in ('gt_bboxes', 'gt_bboxes_labels')
                   if k not in results]
        if missing:
            raise KeyError(
                f'{name} needs {missing} for {results.get("img_path")}: '
                f'place it after LoadWeakAnnotations of a dataset with '
                f"weak_label='boxes' (box coordinates, not box PNGs)")
        rng = image_rng(results, self.seed)
        try:
            points, labels = points_from_boxes(
                results['gt_bboxes'], results['gt_bboxes_labels'],
                results['img_shape'][:2], self.num_background_points,
                self.bg_label, rng)
        except ValueError as e:
            raise ValueError(f'{results["img_path"]}: {e} '
                             f'({results.get("weak_ann_file")})') from e
        results.pop('gt_bboxes')
        results.pop('gt_bboxes_labels')
        results['gt_points'] = points
        results['gt_points_labels'] = labels
        results['weak_label'] = 'points'
        if 'gt_tags' in results:
            results['gt_tags'] = np.unique(np.concatenate(
                [np.asarray(results['gt_tags'], np.int64).reshape(-1),
                 labels])).astype(np.int64)
        finish_weak_labels(results, 'points', self.ignore_index)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(num_background_points='
                f'{self.num_background_points}, bg_label={self.bg_label}, '
                f'seed={self.seed})')
