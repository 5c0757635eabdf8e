"""Boxes from a COCO-style JSON (``images``, ``annotations``, ``categories``)."""
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from .errors import WeakLabelError


def load_coco_boxes(path: str,
                    class_names: Sequence[str],
                    category_map: Optional[Dict[int, int]] = None) -> dict:
    """Read boxes per image from a COCO-style file.

    ``bbox`` is ``[x, y, w, h]`` in continuous pixel coordinates and is returned
    as ``(x1, y1, x2, y2)``. Categories are matched to ``class_names`` by name
    unless ``category_map`` (COCO category id -> label) is given.

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
        images = {im['id']: im for im in coco['images']}
        anns = coco['annotations']
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise WeakLabelError(f'{path}: not a COCO-style JSON ({e})') from e
    if category_map is None:
        index = {name: i for i, name in enumerate(class_names)}
        category_map = {}
        for cat in coco.get('categories', []):
            if cat['name'] not in index:
                raise WeakLabelError(
                    f'{path}: category {cat["name"]!r} is not a dataset class')
            category_map[cat['id']] = index[cat['name']]
    out = {}
    for im in images.values():
        stem = osp.splitext(osp.basename(im['file_name']))[0]
        out[im['id']] = dict(
            stem=stem, boxes=[], labels=[],
            size=(int(im['height']), int(im['width'])))
    for ann in anns:
        img = out.get(ann.get('image_id'))
        if img is None:
            raise WeakLabelError(
                f'{path}: annotation {ann.get("id")} refers to unknown image '
                f'{ann.get("image_id")}')
        if ann.get('category_id') not in category_map:
            raise WeakLabelError(
                f'{path}: annotation {ann.get("id")} has unknown category '
                f'{ann.get("category_id")}')
        x, y, w, h = (float(v) for v in ann['bbox'])
        if w <= 0 or h <= 0:
            raise WeakLabelError(
                f'{path}: annotation {ann.get("id")} (image {img["stem"]}) has '
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
