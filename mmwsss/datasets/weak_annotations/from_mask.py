"""Weak labels derived from the dataset's own dense masks."""
from typing import List

from mmwsss.registry import WEAK_ANNOTATIONS
from .base import BaseWeakAnnotation
from .errors import EmptyWeakAnnotation


@WEAK_ANNOTATIONS.register_module(name=['FromMask', 'from_mask'])
class FromMask(BaseWeakAnnotation):
    """Weak labels derived from the dense masks by the pipeline's
    :class:`~mmwsss.datasets.transforms.GenerateWeakLabelsFromMask`
    (points, scribbles, boxes, tags).

    The record is empty; the generation settings are the transform's. When
    the dataset is built, every image's labels are generated once with that
    transform, so images that would get none are found then (a dataset
    built with an empty pipeline skips this check).

    Args:
        **kwargs: Arguments of :class:`BaseWeakAnnotation`.
    """
    provides = ('points', 'scribbles', 'boxes', 'tags')

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator = None

    def prepare(self, data_list: List[dict], pipeline=None) -> None:
        from ..transforms import GenerateWeakLabelsFromMask
        transforms = getattr(pipeline, 'transforms', [])
        found = [
            t for t in transforms if isinstance(t, GenerateWeakLabelsFromMask)
        ]
        if not found:
            if not transforms:  # a dataset built only to list its images
                return
            raise ValueError(
                "weak_ann type 'from_mask' needs a GenerateWeakLabelsFromMask "
                'step in the training pipeline (in place of '
                'LoadWeakAnnotations)')
        self.generator = found[0]

    def load(self, info: dict) -> dict:
        if info.get('seg_map_path') is None:
            raise ValueError(
                f"weak_ann type 'from_mask' needs dense masks, but the "
                f'dataset has no seg_map_path (image {info["img_path"]})')
        if self.generator is not None and self.generator.is_empty(info):
            raise EmptyWeakAnnotation(
                f'{info["seg_map_path"]}: no {self.weak_label} label can be '
                f'derived from this mask ({self.generator!r})')
        return dict(weak_ann_file=info['seg_map_path'])
