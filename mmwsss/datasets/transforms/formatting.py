import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmseg.datasets.transforms import PackSegInputs

from mmwsss.registry import TRANSFORMS
from mmwsss.structures import rasterize_weak_target


@TRANSFORMS.register_module()
class PackWeakSegInputs(PackSegInputs):
    """Pack the image and its weak annotations into a ``SegDataSample``.

    ``gt_sem_seg`` holds the training target (``target='weak'``): the weak label
    map, boxes and points rasterized by :func:`rasterize_weak_target`, so any
    mmseg decode head with a loss that ignores 255 trains on it (partial
    cross-entropy). With ``target='dense'`` it holds the dense mask (full
    supervision). Besides, the data sample carries:

    - ``gt_tags``: (num_classes,) float multi-hot tensor of image tags;
    - ``gt_points``: ``InstanceData(points (N, 2) float, labels (N,) long)``;
    - ``gt_instances``: ``InstanceData(bboxes (N, 4) float, labels (N,))``;
    - ``gt_superpixels``: (1, H, W) long low-level regions, when a
      superpixel transform ran;
    - ``gt_point_blots``: (1, H, W) long PMP point blots (255 outside), when
      ``GeneratePointBlots`` or ``LoadPointBlots`` ran;
    - ``weak_label`` in the meta information.

    Points and boxes must have been moved by every geometric transform: when
    ``weak_coords_shape`` differs from the image's shape (a transform that
    does not know weak labels ran, e.g. mmseg's ``RandomCrop``), it raises.

    Required Keys:

    - img, img_shape and mmseg's ``PackSegInputs`` keys
    - weak_label, num_classes, and what the sample has of gt_seg_map,
      gt_weak_seg_map, gt_points, gt_points_labels, gt_bboxes,
      gt_bboxes_labels, gt_tags, gt_superpixels, gt_point_blots,
      weak_coords_shape

    Added Keys:

    - inputs, data_samples

    Args:
        target (str): ``'weak'`` or ``'dense'``. Defaults to ``'weak'``.
        point_radius (int): Disk radius of rasterized points. Defaults to 0.
        box_fill (str): ``'ignore'`` or ``'class'`` inside boxes.
        box_background (int, optional): Label outside all boxes, None to leave
            it unlabelled. Defaults to 0.
        ignore_index (int): Unlabelled value. Defaults to 255.
        meta_keys (tuple): As mmseg's ``PackSegInputs``.
    """

    def __init__(self, target='weak', point_radius=0, box_fill='ignore',
                 box_background=0, ignore_index=255,
                 meta_keys=('img_path', 'seg_map_path', 'ori_shape',
                            'img_shape', 'pad_shape', 'scale_factor', 'flip',
                            'flip_direction', 'reduce_zero_label',
                            'weak_label')):
        super().__init__(meta_keys=meta_keys)
        assert target in ('weak', 'dense')
        assert box_fill in ('ignore', 'class')
        self.target = target
        self.point_radius = point_radius
        self.box_fill = box_fill
        self.box_background = box_background
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        coords = results.get('weak_coords_shape')
        if coords is not None and tuple(coords) != tuple(
                results['img'].shape[:2]):
            raise ValueError(
                f'{results.get("img_path")}: points/boxes refer to a '
                f'{tuple(coords)} image but the image is '
                f'{tuple(results["img"].shape[:2])}: a geometric transform '
                f'did not move them (use WeakRandomResize, WeakRandomCrop, '
                f'WeakRandomFlip)')
        packed = super().transform(results)
        sample = packed['data_samples']
        if self.target == 'weak' and results.get('weak_label') is not None:
            target = rasterize_weak_target(
                results['img'].shape[:2],
                weak_map=results.get('gt_weak_seg_map'),
                points=results.get('gt_points'),
                point_labels=results.get('gt_points_labels'),
                boxes=results.get('gt_bboxes'),
                box_labels=results.get('gt_bboxes_labels'),
                point_radius=self.point_radius, box_fill=self.box_fill,
                box_background=(self.box_background
                                if results['weak_label'] == 'boxes' else None),
                ignore_index=self.ignore_index)
            sample.gt_sem_seg = PixelData(
                data=torch.from_numpy(target[None].astype(np.int64)))
        if 'gt_superpixels' in results:
            sample.gt_superpixels = PixelData(data=torch.from_numpy(
                results['gt_superpixels'][None].astype(np.int64)))
        if 'gt_point_blots' in results:
            sample.gt_point_blots = PixelData(data=torch.from_numpy(
                results['gt_point_blots'][None].astype(np.int64)))
        num_classes = results.get('num_classes')
        if num_classes is not None and 'gt_tags' in results:
            given = np.asarray(results['gt_tags']).reshape(-1)
            if given.size and (given.min() < 0 or given.max() >= num_classes):
                raise ValueError(
                    f'{results.get("weak_ann_file", results.get("img_path"))}'
                    f': tags {given.tolist()} of '
                    f'{results.get("img_path")} outside the '
                    f'{num_classes} classes [0, {num_classes})')
            tags = torch.zeros(num_classes)
            tags[torch.as_tensor(given, dtype=torch.long)] = 1
            sample.gt_tags = tags
        if 'gt_points' in results:
            sample.gt_points = InstanceData(
                points=torch.as_tensor(results['gt_points'],
                                       dtype=torch.float32).reshape(-1, 2),
                labels=torch.as_tensor(results['gt_points_labels'],
                                       dtype=torch.long))
        if 'gt_bboxes' in results:
            sample.gt_instances = InstanceData(
                bboxes=torch.as_tensor(results['gt_bboxes'],
                                       dtype=torch.float32).reshape(-1, 4),
                labels=torch.as_tensor(results['gt_bboxes_labels'],
                                       dtype=torch.long))
        return packed

    def __repr__(self):
        return (f'{type(self).__name__}(target={self.target!r}, point_radius='
                f'{self.point_radius}, box_fill={self.box_fill!r})')
