"""The embedded toy dataset: generated, deterministic, every weak label type.

``make_toy_dataset(root)`` draws textured discs, squares and triangles of
different sizes on a textured background and writes, next to the images and
dense masks, the weak labels in the formats users have for real data:

- ``weak/points.json`` and ``weak/points_bg.json``: "What's the point" clicks
  (object centres; background clicks), as in PMP;
- ``weak/scribbles/NAME.xml``: ScribbleSup XML strokes (a horizontal chord
  through every segment's innermost pixel, background included);
- ``weak/scribbles_png/NAME.png``: the same strokes as a label map;
- ``weak/Annotations/NAME.xml``: VOC XML boxes, ``weak/boxes_coco.json``:
  COCO-style boxes;
- ``weak/tags.txt``: image tags.
"""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET

import cv2
import numpy as np

from mmwsss.registry import DATASETS
from .generators import (boxes_from_mask, connected_segments, innermost_pixel,
                         points_from_mask)
from .weak_annotations import rasterize_strokes
from .weak_seg_dataset import WeakSegDataset

TOY_CLASSES = ('background', 'disc', 'square', 'triangle')
TOY_PALETTE = [[0, 0, 0], [220, 60, 60], [60, 60, 220], [60, 200, 60]]
TOY_VERSION = 2


@DATASETS.register_module()
class ToyWeakDataset(WeakSegDataset):
    """The embedded toy dataset (see :func:`make_toy_dataset`)."""
    METAINFO = dict(classes=TOY_CLASSES, palette=TOY_PALETTE)

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)


def _texture(rng, shape, base, kind):
    h, w = shape
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    noise = rng.normal(0, 18, (h, w, 1)).astype(np.float32)
    if kind == 0:  # smooth blotches
        low = cv2.resize(rng.normal(0, 30, (4, 4, 3)).astype(np.float32),
                         (w, h), interpolation=cv2.INTER_CUBIC)
        pattern = low
    elif kind == 1:  # stripes
        f = rng.uniform(0.4, 0.9)
        pattern = (25 * np.sin(f * (xx + yy)))[..., None]
    elif kind == 2:  # checker
        s = int(rng.integers(3, 6))
        pattern = (25 * (((xx // s) + (yy // s)) % 2 * 2 - 1))[..., None]
    else:  # speckles
        pattern = (40 * (rng.random((h, w)) > 0.8) - 8)[..., None]
    return np.asarray(base, np.float32) + pattern + noise


def _draw_object(rng, mask, size, label):
    h, w = mask.shape
    r = int(rng.integers(size // 10 + 3, size // 3))
    cx, cy = int(rng.integers(r // 2, w - r // 2)), int(rng.integers(
        r // 2, h - r // 2))
    shape = np.zeros_like(mask)
    if label == 1:
        cv2.circle(shape, (cx, cy), r, 1, -1)
    elif label == 2:
        cv2.rectangle(shape, (cx - r, cy - r), (cx + r, cy + r), 1, -1)
    else:
        pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]],
                       np.int32)
        cv2.fillPoly(shape, [pts], 1)
    mask[shape > 0] = label


def _chord_strokes(mask, ignore_index=255, min_area=12):
    """A horizontal chord through the innermost pixel of every segment, kept
    one pixel away from the segment border (strokes are 3 pixels wide)."""
    strokes = []
    for label, comp, _ in connected_segments(mask, ignore_index, (), min_area):
        comp = cv2.erode(comp.astype(np.uint8), np.ones((3, 3), np.uint8),
                         borderType=cv2.BORDER_REPLICATE).astype(bool)
        if not comp.any():
            continue
        y, x = innermost_pixel(comp)
        row = comp[y]
        left, right = x, x
        while left > 0 and row[left - 1]:
            left -= 1
        while right < len(row) - 1 and row[right + 1]:
            right += 1
        shrink = (right - left) // 5
        xs = np.arange(left + shrink, right - shrink + 1, 3)
        if len(xs) == 0:
            xs = np.array([x])
        strokes.append((label, np.stack([xs, np.full_like(xs, y)], 1)))
    return strokes


def _scribble_xml(path, name, shape, strokes):
    root = ET.Element('annotation')
    ET.SubElement(root, 'filename').text = name + '.png'
    size = ET.SubElement(root, 'size')
    ET.SubElement(size, 'width').text = str(shape[1])
    ET.SubElement(size, 'height').text = str(shape[0])
    for label, pts in strokes:
        poly = ET.SubElement(root, 'polygon')
        ET.SubElement(poly, 'tag').text = TOY_CLASSES[label]
        for x, y in pts:
            p = ET.SubElement(poly, 'point')
            ET.SubElement(p, 'X').text = str(int(x))
            ET.SubElement(p, 'Y').text = str(int(y))
    ET.ElementTree(root).write(path)


def _voc_xml(path, name, shape, boxes, labels):
    root = ET.Element('annotation')
    ET.SubElement(root, 'filename').text = name + '.png'
    size = ET.SubElement(root, 'size')
    ET.SubElement(size, 'width').text = str(shape[1])
    ET.SubElement(size, 'height').text = str(shape[0])
    ET.SubElement(size, 'depth').text = '3'
    for (x1, y1, x2, y2), label in zip(boxes, labels):
        obj = ET.SubElement(root, 'object')
        ET.SubElement(obj, 'name').text = TOY_CLASSES[label]
        ET.SubElement(obj, 'difficult').text = '0'
        bb = ET.SubElement(obj, 'bndbox')
        # VOC: 1-based inclusive pixel indices
        for k, v in zip(('xmin', 'ymin', 'xmax', 'ymax'),
                        (x1 + 1, y1 + 1, x2, y2)):
            ET.SubElement(bb, k).text = str(int(v))
    ET.ElementTree(root).write(path)


def make_toy_dataset(root: str,
                     num_train: int = 96,
                     num_val: int = 24,
                     size: int = 64,
                     seed: int = 0) -> str:
    """Write the toy dataset to ``root`` (skipped when already complete).

    Args:
        root (str): Output folder.
        num_train (int): Training images. Defaults to 96.
        num_val (int): Validation images. Defaults to 24.
        size (int): Image side in pixels. Defaults to 64.
        seed (int): Random seed; the same arguments give the same files.

    Returns:
        str: ``root``.
    """
    stamp = osp.join(root, 'COMPLETE')
    signature = f'{TOY_VERSION} {num_train} {num_val} {size} {seed}'
    if osp.isfile(stamp) and open(stamp).read() == signature:
        return root
    rng = np.random.default_rng(seed)
    for sub in ('weak/scribbles', 'weak/scribbles_png', 'weak/Annotations'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    clicks, bg_clicks, tags = {}, {}, []
    coco = dict(images=[], annotations=[], categories=[
        dict(id=i, name=n) for i, n in enumerate(TOY_CLASSES) if i > 0])
    for split, count in (('train', num_train), ('val', num_val)):
        os.makedirs(osp.join(root, 'images', split), exist_ok=True)
        os.makedirs(osp.join(root, 'masks', split), exist_ok=True)
        names = []
        for i in range(count):
            name = f'toy_{split}_{i:04d}'
            names.append(name)
            mask = np.zeros((size, size), np.uint8)
            for _ in range(int(rng.integers(1, 4))):
                _draw_object(rng, mask, size, int(rng.integers(1, 4)))
            img = _texture(rng, mask.shape, rng.uniform(90, 160, 3), 0)
            for label in range(1, len(TOY_CLASSES)):
                base = np.asarray(TOY_PALETTE[label], np.float32) * \
                    rng.uniform(0.7, 1.0) + rng.uniform(-25, 25, 3)
                tex = _texture(rng, mask.shape, base, label)
                img[mask == label] = tex[mask == label]
            img = np.clip(img, 0, 255).astype(np.uint8)
            cv2.imwrite(osp.join(root, 'images', split, name + '.png'),
                        img[..., ::-1])
            cv2.imwrite(osp.join(root, 'masks', split, name + '.png'), mask)

            pts, labels = points_from_mask(
                mask, background_classes=(0, ), num_background_points=3,
                rng=rng)
            clicks[name] = [
                dict(x=float(x), y=float(y), cls=int(c), rank=1)
                for (x, y), c in zip(pts, labels) if c > 0
            ]
            bg_clicks[name] = [
                dict(x=float(x), y=float(y), cls=0)
                for (x, y), c in zip(pts, labels) if c == 0
            ]
            strokes = _chord_strokes(mask)
            _scribble_xml(
                osp.join(root, 'weak/scribbles', name + '.xml'), name,
                mask.shape, strokes)
            cv2.imwrite(
                osp.join(root, 'weak/scribbles_png', name + '.png'),
                rasterize_strokes(strokes, mask.shape))
            boxes, box_labels = boxes_from_mask(mask, background_classes=(0, ))
            _voc_xml(
                osp.join(root, 'weak/Annotations', name + '.xml'), name,
                mask.shape, boxes, box_labels)
            image_id = len(coco['images']) + 1
            coco['images'].append(
                dict(id=image_id, file_name=name + '.png', height=size,
                     width=size))
            for (x1, y1, x2, y2), c in zip(boxes, box_labels):
                coco['annotations'].append(
                    dict(id=len(coco['annotations']) + 1, image_id=image_id,
                         category_id=int(c),
                         bbox=[float(x1), float(y1), float(x2 - x1),
                               float(y2 - y1)]))
            present = [TOY_CLASSES[c] for c in np.unique(mask)]
            tags.append(' '.join([name] + present))
        with open(osp.join(root, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
    with open(osp.join(root, 'weak/points.json'), 'w') as f:
        json.dump(clicks, f)
    with open(osp.join(root, 'weak/points_bg.json'), 'w') as f:
        json.dump(bg_clicks, f)
    with open(osp.join(root, 'weak/boxes_coco.json'), 'w') as f:
        json.dump(coco, f)
    with open(osp.join(root, 'weak/tags.txt'), 'w') as f:
        f.write('\n'.join(tags) + '\n')
    with open(stamp, 'w') as f:
        f.write(signature)
    return root
