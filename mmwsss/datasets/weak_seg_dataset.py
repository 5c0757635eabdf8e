import copy
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset

from mmwsss.registry import DATASETS
from .weak_annotations import (WeakLabelError, load_coco_boxes, load_tag_list,
                               load_whats_the_point, parse_scribble_xml,
                               parse_voc_xml)

WEAK_LABELS = ('points', 'scribbles', 'boxes', 'tags', 'densepose')
# source format -> weak label kinds it can provide
SOURCE_KINDS = {
    'whats_the_point': ('points', ),
    'scribble_xml': ('scribbles', ),
    # label PNGs: clicks, strokes, DensePose labels, or CAM pseudo-labels of
    # tags / boxes (tools/cams_to_pseudo_labels.py)
    'label_map': ('points', 'scribbles', 'densepose', 'tags', 'boxes'),
    'voc_xml': ('boxes', 'tags'),
    'coco_json': ('boxes', 'tags'),
    'tag_list': ('tags', ),
    'from_mask': ('points', 'scribbles', 'boxes', 'tags'),
}


@DATASETS.register_module()
class WeakSegDataset(BaseSegDataset):
    """A segmentation dataset that also yields weak annotations.

    Images and dense masks are listed as in mmseg's ``BaseSegDataset`` (the
    dense mask, when present, is the validation target). Each sample also gets
    the weak annotation of ``weak_label`` read from ``weak_ann``:

    ============== =========================================================
    ``type``        source
    ============== =========================================================
    whats_the_point ``files``: "What's the point" JSON files (points)
    scribble_xml    ``dir``: ScribbleSup XML per image (scribbles)
    label_map       ``dir``: label PNG per image, 255 = unlabelled
    voc_xml         ``dir``: VOC ``Annotations`` XML (boxes, tags)
    coco_json       ``file``: COCO-style JSON (boxes, tags)
    tag_list        ``file``: ``image_id tag tag ...`` lines (tags)
    from_mask       derived from the dense mask (see
                    :class:`~mmwsss.datasets.transforms.LoadWeakAnnotations`)
    ============== =========================================================

    Paths in ``weak_ann`` are relative to ``data_root``. Images whose weak
    annotation is missing or empty raise a :class:`WeakLabelError` naming the
    file (``on_empty='error'``) or are left out and counted
    (``on_empty='skip'``, the count is logged and kept in ``num_skipped``).

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
            raise ValueError(f"on_empty must be 'error' or 'skip'")
        weak_ann = copy.deepcopy(weak_ann) if weak_ann else None
        if weak_label is not None:
            if weak_ann is None:
                raise ValueError(f'weak_label={weak_label!r} needs weak_ann')
            kinds = SOURCE_KINDS.get(weak_ann.get('type'))
            if kinds is None:
                raise ValueError(f'unknown weak_ann type '
                                 f'{weak_ann.get("type")!r}; known: '
                                 f'{sorted(SOURCE_KINDS)}')
            if weak_label not in kinds:
                raise ValueError(f'weak_ann type {weak_ann["type"]!r} cannot '
                                 f'provide {weak_label!r} labels')
        self.weak_label = weak_label
        self.weak_ann = weak_ann
        self.on_empty = on_empty
        self.num_skipped = 0
        super().__init__(**kwargs)

    # ------------------------------------------------------------------ paths
    def _abs(self, path: str) -> str:
        if osp.isabs(path) or not self.data_root:
            return path
        return osp.join(self.data_root, path)

    def _empty(self, info: dict, problem: str) -> bool:
        """Handle an image without usable weak labels; True keeps it."""
        if self.on_empty == 'error':
            raise WeakLabelError(f'{problem} (image {info["img_path"]})')
        self.num_skipped += 1
        return False

    # ------------------------------------------------------------- data list
    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        for info in data_list:
            if not self.data_prefix.get('seg_map_path'):
                info['seg_map_path'] = None
            info['weak_label'] = self.weak_label
            info['ignore_values'] = tuple(
                self.metainfo.get('ignore_values', ()))
            info['num_classes'] = len(self.metainfo['classes'])
        if self.weak_label is None:
            return data_list
        self.num_skipped = 0
        attach = getattr(self, f'_attach_{self.weak_ann["type"]}')
        kept = attach(data_list, **{
            k: v
            for k, v in self.weak_ann.items() if k != 'type'
        })
        if self.num_skipped:
            print_log(
                f'{type(self).__name__}: skipped {self.num_skipped} of '
                f'{len(data_list)} images without usable {self.weak_label} '
                f'labels', logger='current')
        return kept

    @staticmethod
    def _stem(info: dict) -> str:
        return osp.splitext(osp.basename(info['img_path']))[0]

    def _attach_whats_the_point(self, data_list, files):
        files = [self._abs(f) for f in ([files] if isinstance(files, str)
                                        else files)]
        clicks = load_whats_the_point(files, len(self.metainfo['classes']))
        kept = []
        for info in data_list:
            pts = clicks.get(self._stem(info))
            if pts is None or len(pts[1]) == 0:
                if not self._empty(info, f'{", ".join(files)}: no clicks for '
                                   f'{self._stem(info)}'):
                    continue
                pts = (np.zeros((0, 2), np.float32), np.zeros(0, np.int64))
            info.update(points=pts[0], point_labels=pts[1],
                        weak_ann_file=', '.join(files))
            kept.append(info)
        return kept

    def _per_image_file(self, info, folder, suffix):
        """The image's weak-annotation file, or None when it is missing (an
        error, or a counted skip, per ``on_empty``)."""
        path = osp.join(self._abs(folder), self._stem(info) + suffix)
        if not osp.isfile(path):
            self._empty(info, f'{path}: missing weak annotation')
            return None
        return path

    def _attach_scribble_xml(self, data_list, dir, suffix='.xml',
                             thickness=3):
        kept = []
        for info in data_list:
            path = self._per_image_file(info, dir, suffix)
            if path is None:
                continue
            size, strokes = parse_scribble_xml(path, self.metainfo['classes'])
            if not strokes and not self._empty(info, f'{path}: no scribbles'):
                continue
            info.update(scribbles=strokes, scribble_size=size,
                        scribble_thickness=thickness, weak_ann_file=path)
            kept.append(info)
        return kept

    def _attach_label_map(self, data_list, dir, suffix='.png'):
        kept = []
        for info in data_list:
            path = self._per_image_file(info, dir, suffix)
            if path is None:
                continue
            # emptiness is checked when the map is read (one file per image)
            info.update(weak_seg_map_path=path, weak_ann_file=path)
            kept.append(info)
        return kept

    def _attach_voc_xml(self, data_list, dir, suffix='.xml',
                        skip_difficult=False):
        kept = []
        for info in data_list:
            path = self._per_image_file(info, dir, suffix)
            if path is None:
                continue
            ann = parse_voc_xml(path, self.metainfo['classes'], skip_difficult)
            if not len(ann['labels']) and not self._empty(
                    info, f'{path}: no objects'):
                continue
            info.update(bboxes=ann['bboxes'], bbox_labels=ann['labels'],
                        tags=np.unique(ann['labels']), weak_ann_file=path)
            kept.append(info)
        return kept

    def _attach_coco_json(self, data_list, file, category_map=None):
        path = self._abs(file)
        boxes = load_coco_boxes(path, self.metainfo['classes'], category_map)
        kept = []
        for info in data_list:
            ann = boxes.get(self._stem(info))
            if ann is None or not len(ann['labels']):
                if not self._empty(info, f'{path}: no boxes for '
                                   f'{self._stem(info)}'):
                    continue
                ann = dict(bboxes=np.zeros((0, 4), np.float32),
                           labels=np.zeros(0, np.int64))
            info.update(bboxes=ann['bboxes'], bbox_labels=ann['labels'],
                        tags=np.unique(ann['labels']), weak_ann_file=path)
            kept.append(info)
        return kept

    def _attach_tag_list(self, data_list, file):
        path = self._abs(file)
        tags = load_tag_list(path, self.metainfo['classes'])
        kept = []
        for info in data_list:
            t = tags.get(self._stem(info))
            if t is None or not len(t):
                if not self._empty(info, f'{path}: no tags for '
                                   f'{self._stem(info)}'):
                    continue
                t = np.zeros(0, np.int64)
            info.update(tags=t, weak_ann_file=path)
            kept.append(info)
        return kept

    def _attach_from_mask(self, data_list, **params):
        for info in data_list:
            if info['seg_map_path'] is None:
                raise ValueError(
                    f'weak_ann type from_mask needs dense masks, but the '
                    f'dataset has no seg_map_path (image {info["img_path"]})')
            info.update(weak_from_mask=dict(params),
                        weak_ann_file=info['seg_map_path'])
        return data_list
