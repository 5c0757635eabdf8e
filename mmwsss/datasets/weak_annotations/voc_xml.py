"""Boxes and tags from PASCAL VOC ``Annotations/NAME.xml`` files."""
import xml.etree.ElementTree as ET
from typing import Sequence

import numpy as np

from mmwsss.registry import WEAK_ANNOTATIONS
from .base import BaseWeakAnnotation
from .errors import EmptyWeakAnnotation, WeakLabelError


def parse_voc_xml(path: str, class_names: Sequence[str],
                  skip_difficult: bool = False) -> dict:
    """Parse the objects of a VOC annotation file.

    VOC boxes are 1-based inclusive pixel indices; they are returned as
    continuous ``(x1, y1, x2, y2)`` coordinates (pixel ``i`` spans ``[i, i+1)``),
    i.e. ``(xmin - 1, ymin - 1, xmax, ymax)``.

    Args:
        path (str): The XML file.
        class_names (Sequence[str]): Class names; a name's index is its label.
        skip_difficult (bool): Drop objects marked difficult. Defaults to False.

    Returns:
        dict: ``bboxes`` (N, 4) float32, ``labels`` (N,) int64 and
        ``size`` (height, width) or None when the file has no ``<size>``.
    """
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise WeakLabelError(f'{path}: cannot parse VOC XML ({e})') from e
    index = {name: i for i, name in enumerate(class_names)}
    boxes, labels = [], []
    for obj in root.iter('object'):
        name = (obj.findtext('name') or '').strip()
        if name not in index:
            raise WeakLabelError(f'{path}: unknown object class {name!r}')
        if skip_difficult and (obj.findtext('difficult') or '0').strip() == '1':
            continue
        bb = obj.find('bndbox')
        try:
            x1, y1, x2, y2 = (float(bb.findtext(k))
                              for k in ('xmin', 'ymin', 'xmax', 'ymax'))
        except (AttributeError, TypeError, ValueError) as e:
            raise WeakLabelError(f'{path}: object {name!r} has a bad <bndbox>') from e
        box = (x1 - 1, y1 - 1, x2, y2)
        if box[2] <= box[0] or box[3] <= box[1]:
            raise WeakLabelError(
                f'{path}: object {name!r} has a box of zero area {box}')
        boxes.append(box)
        labels.append(index[name])
    size = None
    if root.find('size') is not None:
        try:
            size = (int(root.findtext('size/height')),
                    int(root.findtext('size/width')))
        except (TypeError, ValueError):
            size = None
    return dict(
        bboxes=np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
        labels=np.asarray(labels, dtype=np.int64),
        size=size)


@WEAK_ANNOTATIONS.register_module(name=['VOCXML', 'voc_xml'])
class VOCXML(BaseWeakAnnotation):
    """PASCAL VOC ``Annotations/NAME.xml`` files (boxes, tags).

    Args:
        dir (str): Folder of the XML files, relative to ``data_root``.
        suffix (str): File suffix. Defaults to ``'.xml'``.
        skip_difficult (bool): Drop objects marked difficult.
        **kwargs: Arguments of :class:`BaseWeakAnnotation`.
    """
    provides = ('boxes', 'tags')

    def __init__(self, dir: str, suffix: str = '.xml',
                 skip_difficult: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.dir, self.suffix = dir, suffix
        self.skip_difficult = skip_difficult

    def load(self, info: dict) -> dict:
        path = self.per_image_file(info, self.dir, self.suffix)
        ann = parse_voc_xml(path, self.classes, self.skip_difficult)
        if not len(ann['labels']):
            raise EmptyWeakAnnotation(f'{path}: no objects')
        return dict(bboxes=ann['bboxes'], bbox_labels=ann['labels'],
                    tags=np.unique(ann['labels']), weak_ann_file=path)
