"""Dense pseudo-masks made from another source's weak labels, for training."""
import copy
import json
import os
import os.path as osp
from typing import List, Optional

import cv2

from mmwsss.registry import WEAK_ANNOTATIONS
from .base import BaseWeakAnnotation
from .errors import EmptyWeakAnnotation, WeakLabelError


@WEAK_ANNOTATIONS.register_module(name=['PseudoMasks', 'pseudo_masks'])
class PseudoMasks(BaseWeakAnnotation):
    """Dense pseudo-masks of another source's points, scribbles or boxes.

    When the dataset is built, each image's weak labels (read by ``source``,
    loaded as ``LoadWeakAnnotations`` loads them) become a dense mask by
    :func:`mmwsss.apis.weak_to_pseudo_mask`, written once as
    ``<cache_dir>/<image stem>.png``; the record is that PNG, which the
    pipeline's ``LoadWeakAnnotations`` reads as the label map of the image
    (pixels a method leaves unlabelled stay ``ignore_index``). The settings
    are kept in ``<cache_dir>/settings.json``: other settings make all the
    masks again.

    Args:
        source (dict): The weak annotation, e.g.
            ``dict(type='voc_xml', dir='Annotations')`` (not ``from_mask``
            or ``label_map``).
        cache_dir (str): Folder of the PNGs, as given (relative to the
            working directory): keep it out of the dataset, e.g. under
            ``work_dirs/``.
        method (str): A method of ``weak_to_pseudo_mask``. Defaults to
            ``'auto'``.
        box_background (int, optional): Label outside every box; None for
            datasets without a background class. Defaults to 0.
        ignore_index (int): Unlabelled value. Defaults to 255.
        **kwargs: Arguments of :class:`BaseWeakAnnotation`.
    """
    provides = ('points', 'scribbles', 'boxes')

    def __init__(self, source: dict, cache_dir: str, method: str = 'auto',
                 box_background: Optional[int] = 0, ignore_index: int = 255,
                 **kwargs):
        super().__init__(**kwargs)
        from mmwsss.apis.pseudo_masks import METHODS
        if method not in METHODS:
            raise ValueError(f'method must be one of {METHODS}, got '
                             f'{method!r}')
        if source.get('type') in ('from_mask', 'FromMask', 'label_map',
                                  'LabelMap'):
            raise ValueError(
                f'pseudo_masks needs a source of weak labels on disk, not '
                f'{source.get("type")!r}')
        self.source = WEAK_ANNOTATIONS.build(
            copy.deepcopy(source),
            default_args=dict(data_root=self.data_root, classes=self.classes,
                              weak_label=self.weak_label))
        self.source_cfg = source
        self.cache_dir = cache_dir
        self.method = method
        self.box_background = box_background
        self.ignore_index = ignore_index
        self._records = {}

    def _settings(self) -> dict:
        from mmwsss.apis.pseudo_masks import AUTO_METHODS
        settings = dict(source=self.source_cfg, method=self.method,
                        box_background=self.box_background,
                        weak_label=self.weak_label)
        if self.method == 'auto':  # what 'auto' stands for, as of now
            settings['auto'] = AUTO_METHODS
        return settings

    def _make(self, info: dict, record: dict, path: str) -> None:
        from mmwsss.apis import sample_to_pseudo_mask
        from ..transforms import LoadWeakAnnotations
        img = cv2.imread(info['img_path'], cv2.IMREAD_COLOR)
        if img is None:
            raise WeakLabelError(f'{info["img_path"]}: cannot read image')
        results = dict(info, **record, img=img, img_shape=img.shape[:2],
                       ori_shape=img.shape[:2], seg_fields=[])
        results = LoadWeakAnnotations(
            with_seg=False, ignore_index=self.ignore_index)(results)
        mask = sample_to_pseudo_mask(results, self.num_classes, self.method,
                                     background=self.box_background,
                                     ignore_index=self.ignore_index)
        cv2.imwrite(path, mask)

    def prepare(self, data_list: List[dict], pipeline=None) -> None:
        self.source.prepare(data_list, pipeline)
        os.makedirs(self.cache_dir, exist_ok=True)
        stamp = osp.join(self.cache_dir, 'settings.json')
        settings = json.loads(json.dumps(self._settings()))
        fresh = not osp.isfile(stamp)
        if not fresh:
            with open(stamp) as f:
                fresh = json.load(f) != settings
        for info in data_list:
            try:
                record = self.source.load(info)
            except EmptyWeakAnnotation as e:
                self._records[info['img_path']] = e
                continue
            path = osp.join(self.cache_dir, self.stem(info) + '.png')
            if fresh or not osp.isfile(path):
                self._make(info, record, path)
            self._records[info['img_path']] = dict(
                weak_seg_map_path=path, weak_ann_file=path)
        with open(stamp, 'w') as f:
            json.dump(settings, f, indent=1)

    def load(self, info: dict) -> dict:
        record = self._records.get(info['img_path'])
        if record is None:
            raise EmptyWeakAnnotation(
                f'{self.cache_dir}: no pseudo-mask for {self.stem(info)}')
        if isinstance(record, Exception):
            raise record
        return record
