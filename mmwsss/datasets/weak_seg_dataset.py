import copy
from typing import List, Optional

from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset

from mmwsss.registry import DATASETS, WEAK_ANNOTATIONS
from .weak_annotations import WEAK_LABELS, EmptyWeakAnnotation


@DATASETS.register_module()
class WeakSegDataset(BaseSegDataset):
    """A segmentation dataset that also yields weak annotations.

    Images and dense masks are listed as in mmseg's ``BaseSegDataset`` (the
    dense mask, when present, is the validation target). Each sample also gets
    the weak annotation of ``weak_label`` from the source ``weak_ann``, a
    registered reader (``WEAK_ANNOTATIONS``):

    =============== =========================================================
    ``type``        source
    =============== =========================================================
    whats_the_point ``files``: "What's the point" JSON files (points)
    scribble_xml    ``dir``: ScribbleSup XML per image (scribbles)
    label_map       ``dir``: label PNG per image, 255 = unlabelled
    voc_xml         ``dir``: VOC ``Annotations`` XML (boxes, tags)
    coco_json       ``file``: COCO-style JSON (boxes, tags)
    tag_list        ``file``: ``image_id tag tag ...`` lines (tags)
    from_mask       derived from the dense mask by the pipeline's
                    :class:`~mmwsss.datasets.transforms.GenerateWeakLabelsFromMask`
    =============== =========================================================

    Paths in ``weak_ann`` are relative to ``data_root``. The source reads
    every image's annotation when the dataset is built; an image whose
    annotation is missing or empty raises a :class:`WeakLabelError` naming
    the file (``on_empty='error'``) or is left out and counted
    (``on_empty='skip'``: the count is logged and kept in ``num_skipped``,
    the images in ``skipped``).

    Args:
        weak_label (str, optional): One of ``points``, ``scribbles``,
            ``boxes``, ``tags``, ``densepose``; None trains on dense masks.
        weak_ann (dict, optional): The source, ``dict(type=..., ...)``.
        on_empty (str): ``'error'`` or ``'skip'``. Defaults to ``'error'``.
        **kwargs: Arguments of ``BaseSegDataset``.
    """

    def __init__(self,
                 weak_label: Optional[str] = None,
                 weak_ann: Optional[dict] = None,
                 on_empty: str = 'error',
                 **kwargs):
        if weak_label is not None and weak_label not in WEAK_LABELS:
            raise ValueError(f'weak_label must be one of {WEAK_LABELS} or '
                             f'None, got {weak_label!r}')
        if on_empty not in ('error', 'skip'):
            raise ValueError(f"on_empty must be 'error' or 'skip', got "
                             f'{on_empty!r}')
        weak_ann = copy.deepcopy(weak_ann) if weak_ann else None
        if weak_label is not None:
            if weak_ann is None:
                raise ValueError(f'weak_label={weak_label!r} needs weak_ann')
            source = weak_ann.get('type')
            if isinstance(source, str):
                source = WEAK_ANNOTATIONS.get(source)
            elif not isinstance(source, type):
                source = None
            if source is None:
                raise ValueError(
                    f'unknown weak_ann type {weak_ann.get("type")!r}; known: '
                    f'{sorted(WEAK_ANNOTATIONS.module_dict)}')
            if weak_label not in source.provides:
                raise ValueError(
                    f'weak_ann type {weak_ann["type"]!r} cannot provide '
                    f'{weak_label!r} labels (it provides {source.provides})')
        self.weak_label = weak_label
        self.weak_ann = weak_ann
        self.on_empty = on_empty
        self.num_skipped = 0
        self.skipped: List[str] = []
        super().__init__(**kwargs)

    def build_weak_source(self):
        """The weak-annotation source of ``weak_ann``."""
        return WEAK_ANNOTATIONS.build(
            self.weak_ann,
            default_args=dict(
                data_root=self.data_root,
                classes=self.metainfo['classes'],
                weak_label=self.weak_label))

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        for info in data_list:
            if not self.data_prefix.get('seg_map_path'):
                info['seg_map_path'] = None
            info['weak_label'] = self.weak_label
            info['ignore_values'] = tuple(
                self.metainfo.get('ignore_values', ()))
            info['num_classes'] = len(self.metainfo['classes'])
        self.num_skipped, self.skipped = 0, []
        if self.weak_label is None:
            return data_list
        source = self.build_weak_source()
        source.prepare(data_list, getattr(self, 'pipeline', None))
        kept = []
        for info in data_list:
            try:
                info.update(source.load(info),
                            weak_ann_type=self.weak_ann['type'])
            except EmptyWeakAnnotation as e:
                if self.on_empty == 'error':
                    raise EmptyWeakAnnotation(
                        f'{e} (image {info["img_path"]}; on_empty=\'skip\' '
                        f'leaves such images out)') from e
                self.skipped.append(info['img_path'])
                continue
            kept.append(info)
        self.num_skipped = len(self.skipped)
        if self.num_skipped:
            print_log(
                f'{type(self).__name__}: skipped {self.num_skipped} of '
                f'{len(data_list)} images without usable {self.weak_label} '
                f'labels', logger='current')
        return kept
