"""Boxes from a COCO-style JSON (``images``, ``annotations``, ``categories``)."""
import json
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from mmwsss.registry import WEAK_ANNOTATIONS
from .base import BaseWeakAnnotation
from .errors import EmptyWeakAnnotation, WeakLabelError


def _category_map(path: str, coco: dict, class_names: Sequence[str],
                  category_map: Optional[Mapping]) -> Dict[int, int]:
    num_classes = len(class_names)
    if category_map is not None:
        out = {}
        for cat_id, label in category_map.items():
            if (not isinstance(label, (int, np.integer))
                    or isinstance(label, bool)
                    or not 0 <= int(label) < num_classes):
                raise WeakLabelError(
                    f'{path}: category_map maps category {cat_id!r} to '
                    f'{label!r}, not a label in 0..{num_classes - 1}')
            out[int(cat_id)] = int(label)
        return out
    index = {name: i for i, name in enumerate(class_names)}
    out = {}
    for k, cat in enumerate(coco.get('categories', [])):
        if not isinstance(cat, dict) or 'id' not in cat or 'name' not in cat:
            raise WeakLabelError(
                f'{path}: categories[{k}] needs "id" and "name", got {cat!r}')
        if cat['name'] not in index:
            raise WeakLabelError(
                f'{path}: category {cat["name"]!r} is not a dataset class')
        out[cat['id']] = index[cat['name']]
    return out


def load_coco_boxes(path: str,
                    class_names: Sequence[str],
                    category_map: Optional[Dict[int, int]] = None) -> dict:
    """Read boxes per image from a COCO-style file.

    ``bbox`` is ``[x, y, w, h]`` in continuous pixel coordinates and is returned
    as ``(x1, y1, x2, y2)``. Categories are matched to ``class_names`` by name
    unless ``category_map`` (COCO category id -> label) is given; its labels
    must lie in ``0 .. len(class_names) - 1``.

    Args:
        path (str): The JSON file.
        class_names (Sequence[str]): The dataset's class names.
        category_map (dict, optional): Explicit category id -> label map.

    Returns:
        dict: image file stem -> dict(bboxes (N, 4) float32, labels (N,) int64,
        size (height, width)).
    """
    try:
        with open(path, encoding='utf-8') as f:
            coco = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise WeakLabelError(f'{path}: not a COCO-style JSON ({e})') from e
    if not isinstance(coco, dict) or not isinstance(
            coco.get('images'), list) or not isinstance(
                coco.get('annotations'), list):
        raise WeakLabelError(
            f'{path}: a COCO-style JSON needs "images" and "annotations" '
            f'lists')
    category_map = _category_map(path, coco, class_names, category_map)
    out = {}
    for k, im in enumerate(coco['images']):
        try:
            stem = osp.splitext(osp.basename(im['file_name']))[0]
            out[im['id']] = dict(
                stem=stem, boxes=[], labels=[],
                size=(int(im['height']), int(im['width'])))
        except (KeyError, TypeError, ValueError) as e:
            raise WeakLabelError(
                f'{path}: images[{k}] needs "id", "file_name", "height" and '
                f'"width" ({type(e).__name__}: {e})') from e
    for k, ann in enumerate(coco['annotations']):
        if not isinstance(ann, dict):
            raise WeakLabelError(f'{path}: annotations[{k}] is not an object')
        ann_id = ann.get('id', f'#{k}')
        img = out.get(ann.get('image_id'))
        if img is None:
            raise WeakLabelError(
                f'{path}: annotation {ann_id} refers to unknown image '
                f'{ann.get("image_id")}')
        if ann.get('category_id') not in category_map:
            raise WeakLabelError(
                f'{path}: annotation {ann_id} has unknown category '
                f'{ann.get("category_id")}')
        if 'bbox' not in ann:
            raise WeakLabelError(
                f'{path}: annotation {ann_id} (image {img["stem"]}) has no '
                f'"bbox"')
        try:
            x, y, w, h = (float(v) for v in ann['bbox'])
        except (TypeError, ValueError) as e:
            raise WeakLabelError(
                f'{path}: annotation {ann_id} (image {img["stem"]}) has a '
                f'malformed bbox {ann["bbox"]!r} (needs [x, y, w, h])') from e
        if not (w > 0 and h > 0):
            raise WeakLabelError(
                f'{path}: annotation {ann_id} (image {img["stem"]}) has '
                f'a box of zero area {ann["bbox"]}')
        img['boxes'].append((x, y, x + w, y + h))
        img['labels'].append(category_map[ann['category_id']])
    return {
        v['stem']: dict(
            bboxes=np.asarray(v['boxes'], dtype=np.float32).reshape(-1, 4),
            labels=np.asarray(v['labels'], dtype=np.int64),
            size=v['size'])
        for v in out.values()
    }


@WEAK_ANNOTATIONS.register_module(name=['COCOBoxes', 'coco_json'])
class COCOBoxes(BaseWeakAnnotation):
    """A COCO-style JSON of boxes (boxes, tags).

    Args:
        file (str): The JSON file, relative to ``data_root``.
        category_map (dict, optional): COCO category id -> label; by default
            categories are matched to the classes by name.
        **kwargs: Arguments of :class:`BaseWeakAnnotation`.
    """
    provides = ('boxes', 'tags')

    def __init__(self, file: str, category_map: Optional[dict] = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.file = self.abspath(file)
        self.category_map = category_map
        self.boxes: Dict[str, dict] = {}

    def prepare(self, data_list: List[dict], pipeline=None) -> None:
        self.boxes = load_coco_boxes(self.file, self.classes,
                                     self.category_map)

    def load(self, info: dict) -> dict:
        ann = self.boxes.get(self.stem(info))
        if ann is None or not len(ann['labels']):
            raise EmptyWeakAnnotation(
                f'{self.file}: no boxes for {self.stem(info)}')
        return dict(bboxes=ann['bboxes'], bbox_labels=ann['labels'],
                    tags=np.unique(ann['labels']), weak_ann_file=self.file)
