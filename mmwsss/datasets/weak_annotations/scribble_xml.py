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
The reference conversion draws each stroke with line width 3.
"""
import xml.etree.ElementTree as ET
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from .errors import WeakLabelError


def parse_scribble_xml(
        path: str, class_names: Sequence[str]
) -> Tuple[Tuple[int, int], List[Tuple[int, np.ndarray]]]:
    """Parse one ScribbleSup XML file.

    Args:
        path (str): The XML file.
        class_names (Sequence[str]): Class names; a tag's index is its label.

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
    strokes = []
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
        # The reference conversion clamps spots to the image.
        pts[:, 0] = pts[:, 0].clip(0, width - 1)
        pts[:, 1] = pts[:, 1].clip(0, height - 1)
        strokes.append((index[tag], pts))
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
