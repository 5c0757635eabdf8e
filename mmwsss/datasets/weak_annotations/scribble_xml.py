"""Scribbles in the ScribbleSup XML format (Lin et al., 2016).

``pascal_2012_scribble/NAME.xml``::

    <annotation>
      <size><width>500</width><height>375</height></size>
      <polygon>
        <tag>dog</tag>
        <point><X>12</X><Y>34</Y></point> ...
      </polygon> ...
    </annotation>

Each ``polygon`` is one stroke (a polyline through its points, 0-based pixel
coordinates) labelled by the class name in ``tag`` (``background`` included).
The reference conversion draws each stroke with line width 3 and clamps
points to the image; here the clamped points are counted and reported.
"""
import warnings
import xml.etree.ElementTree as ET
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from mmwsss.registry import WEAK_ANNOTATIONS
from .base import BaseWeakAnnotation
from .errors import EmptyWeakAnnotation, WeakLabelError


def parse_scribble_xml(
        path: str, class_names: Sequence[str]
) -> Tuple[Tuple[int, int], List[Tuple[int, np.ndarray]]]:
    """Parse one ScribbleSup XML file.

    Args:
        path (str): The XML file.
        class_names (Sequence[str]): Class names; a tag's index is its label.

    Points outside the ``<size>`` frame are clamped to it, with one warning
    that counts them and names the file.

    Returns:
        tuple: ``((height, width), strokes)``, strokes a list of
        ``(label, points (N, 2) float32 as (x, y))``.
    """
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise WeakLabelError(f'{path}: cannot parse scribble XML ({e})') from e
    try:
        height = int(root.findtext('size/height'))
        width = int(root.findtext('size/width'))
    except (TypeError, ValueError) as e:
        raise WeakLabelError(f'{path}: missing or bad <size>') from e
    index = {name: i for i, name in enumerate(class_names)}
    strokes, total, clamped = [], 0, 0
    for poly in root.iter('polygon'):
        tag = (poly.findtext('tag') or '').strip()
        if tag not in index:
            raise WeakLabelError(
                f'{path}: unknown class tag {tag!r} (known: '
                f'{", ".join(class_names)})')
        pts = []
        for p in poly.iter('point'):
            try:
                pts.append((float(p.findtext('X')), float(p.findtext('Y'))))
            except (TypeError, ValueError) as e:
                raise WeakLabelError(f'{path}: bad <point> in stroke {tag!r}') from e
        if not pts:
            raise WeakLabelError(f'{path}: stroke {tag!r} has no points')
        pts = np.asarray(pts, dtype=np.float32)
        outside = ((pts[:, 0] < 0) | (pts[:, 0] > width - 1) |
                   (pts[:, 1] < 0) | (pts[:, 1] > height - 1))
        total += len(pts)
        clamped += int(outside.sum())
        pts[:, 0] = pts[:, 0].clip(0, width - 1)
        pts[:, 1] = pts[:, 1].clip(0, height - 1)
        strokes.append((index[tag], pts))
    if clamped:
        warnings.warn(
            f'{path}: {clamped} of {total} scribble points lie outside the '
            f'{width}x{height} image and were clamped to its border',
            stacklevel=2)
    return (height, width), strokes


def rasterize_strokes(strokes: List[Tuple[int, np.ndarray]],
                      shape: Tuple[int, int],
                      thickness: int = 3,
                      ignore_index: int = 255) -> np.ndarray:
    """Draw strokes into a label map (``ignore_index`` where unlabelled).

    Args:
        strokes (list): ``(label, points (N, 2) as (x, y))`` pairs, drawn in order.
        shape (tuple): ``(height, width)`` of the map.
        thickness (int): Line width in pixels. Defaults to 3.
        ignore_index (int): Value of unlabelled pixels. Defaults to 255.

    Returns:
        np.ndarray: (H, W) uint8 label map.
    """
    label_map = np.full(shape, ignore_index, dtype=np.uint8)
    kernel = np.ones((thickness, thickness), np.uint8)
    for label, pts in strokes:
        # a 1-pixel polyline widened by a thickness x thickness square, so a
        # stroke of width w covers +-(w // 2) pixels around its centre line
        line = np.zeros(shape, np.uint8)
        poly = np.round(pts).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(line, [poly], isClosed=False, color=1, thickness=1)
        line[poly[:, 0, 1], poly[:, 0, 0]] = 1  # single-point strokes
        if thickness > 1:
            line = cv2.dilate(line, kernel)
        label_map[line > 0] = label
    return label_map


@WEAK_ANNOTATIONS.register_module(name=['ScribbleXML', 'scribble_xml'])
class ScribbleXML(BaseWeakAnnotation):
    """ScribbleSup XML files, one per image (scribbles).

    Args:
        dir (str): Folder of the XML files, relative to ``data_root``.
        suffix (str): File suffix. Defaults to ``'.xml'``.
        thickness (int): Stroke width in pixels. Defaults to 3.
        **kwargs: Arguments of :class:`BaseWeakAnnotation`.
    """
    provides = ('scribbles', )

    def __init__(self, dir: str, suffix: str = '.xml', thickness: int = 3,
                 **kwargs):
        super().__init__(**kwargs)
        if thickness < 1:
            raise ValueError(f'thickness must be >= 1, got {thickness}')
        self.dir, self.suffix, self.thickness = dir, suffix, thickness

    def load(self, info: dict) -> dict:
        path = self.per_image_file(info, self.dir, self.suffix)
        size, strokes = parse_scribble_xml(path, self.classes)
        if not strokes:
            raise EmptyWeakAnnotation(f'{path}: no scribbles')
        return dict(scribbles=strokes, scribble_size=size,
                    scribble_thickness=self.thickness, weak_ann_file=path)
