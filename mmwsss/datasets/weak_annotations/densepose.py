"""DensePose-COCO annotations reduced to one keypoint per body part.

A DensePose-COCO annotation carries ``bbox`` (x, y, w, h) and ``dp_masks``: 14
COCO run-length-encoded masks of size 256 x 256 laid over the box, one per
coarse body part (1 torso, 2 right hand, 3 left hand, 4 left foot, 5 right
foot, 6 right upper leg, 7 left upper leg, 8 right lower leg, 9 left lower leg,
10 left upper arm, 11 right upper arm, 12 left lower arm, 13 right lower arm,
14 head). Following SPML (Ke et al., 2021, section 4 and Appendix A.3), each
part segment is reduced to one keypoint at its centre, and training labels
come from Gaussian heat maps around the keypoints.
"""
import json
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .errors import WeakLabelError

DENSEPOSE_PARTS = ('torso', 'right_hand', 'left_hand', 'left_foot',
                   'right_foot', 'right_upper_leg', 'left_upper_leg',
                   'right_lower_leg', 'left_lower_leg', 'left_upper_arm',
                   'right_upper_arm', 'left_lower_arm', 'right_lower_arm',
                   'head')
# (left, right) label pairs (background = 0, parts 1..14) swapped by a
# horizontal flip.
DENSEPOSE_FLIP_PAIRS = ((3, 2), (4, 5), (7, 6), (9, 8), (10, 11), (12, 13))


def decode_rle(rle: dict) -> np.ndarray:
    """Decode a COCO run-length encoding (compressed string or counts list).

    Args:
        rle (dict): ``{'size': [h, w], 'counts': str | list[int]}``.

    Returns:
        np.ndarray: (h, w) uint8 binary mask.
    """
    h, w = rle['size']
    counts = rle['counts']
    if isinstance(counts, str):
        counts = _decode_counts_string(counts)
    flat = np.zeros(h * w, dtype=np.uint8)
    ends = np.cumsum(counts)
    starts = ends - np.asarray(counts)
    for s, e in zip(starts[1::2], ends[1::2]):  # runs alternate 0, 1, 0, ...
        flat[s:e] = 1
    return flat.reshape(w, h).T  # column-major


def _decode_counts_string(s: str) -> List[int]:
    # COCO's compressed counts: 5 bits a char (+48), continuation bit 0x20,
    # sign in the last char's bit 0x10, deltas from the count two back.
    counts, p = [], 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1f) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def part_masks_in_image(ann: dict, shape: Tuple[int, int]) -> np.ndarray:
    """Paste an annotation's 14 part masks into an image-sized label map.

    Returns:
        np.ndarray: (H, W) uint8, 0 outside the person, 1..14 the parts.
    """
    h, w = shape
    x, y, bw, bh = ann['bbox']
    x1, y1 = int(np.floor(x)), int(np.floor(y))
    x2, y2 = int(np.ceil(x + bw)), int(np.ceil(y + bh))
    out = np.zeros((h, w), dtype=np.uint8)
    if x2 <= x1 or y2 <= y1:
        return out
    parts = np.zeros((256, 256), dtype=np.uint8)
    for i, rle in enumerate(ann['dp_masks']):
        if rle:
            parts[decode_rle(rle) > 0] = i + 1
    parts = cv2.resize(parts, (x2 - x1, y2 - y1),
                       interpolation=cv2.INTER_NEAREST)
    cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
    if cx2 <= cx1 or cy2 <= cy1:
        return out
    crop = parts[cy1 - y1:cy2 - y1, cx1 - x1:cx2 - x1]
    region = out[cy1:cy2, cx1:cx2]
    region[crop > 0] = crop[crop > 0]
    return out


def part_centres(part_map: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """One keypoint per part segment: the centroid, or, when the centroid
    falls outside the segment, the segment pixel nearest to it.

    Returns:
        tuple: points (K, 2) float32 as (x, y) pixel centres, labels (K,).
    """
    points, labels = [], []
    for part in np.unique(part_map):
        if part == 0:
            continue
        ys, xs = np.nonzero(part_map == part)
        cy, cx = ys.mean(), xs.mean()
        iy, ix = int(cy), int(cx)
        if part_map[iy, ix] != part:
            k = np.argmin((ys - cy)**2 + (xs - cx)**2)
            iy, ix = ys[k], xs[k]
        points.append((ix + 0.5, iy + 0.5))
        labels.append(int(part))
    return (np.asarray(points, dtype=np.float32).reshape(-1, 2),
            np.asarray(labels, dtype=np.int64))


def load_densepose(path: str) -> Dict[str, dict]:
    """Read a DensePose-COCO JSON into per-image keypoints and dense parts.

    Returns:
        dict: file name stem -> dict(file_name, size (h, w), instances: list of
        dict(points (K, 2), labels (K,), bbox (4,)), annotations: raw anns).
    """
    try:
        with open(path, encoding='utf-8') as f:
            coco = json.load(f)
        images = {im['id']: im for im in coco['images']}
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise WeakLabelError(f'{path}: not a DensePose-COCO JSON ({e})') from e
    out = {}
    for im in images.values():
        stem = im['file_name'].rsplit('.', 1)[0]
        out[im['id']] = dict(
            stem=stem, file_name=im['file_name'],
            size=(int(im['height']), int(im['width'])), annotations=[])
    for ann in coco.get('annotations', []):
        if 'dp_masks' not in ann:
            continue  # COCO person without DensePose labels
        if ann.get('image_id') not in out:
            raise WeakLabelError(
                f'{path}: annotation {ann.get("id")} refers to unknown image')
        if len(ann['dp_masks']) != 14:
            raise WeakLabelError(
                f'{path}: annotation {ann.get("id")} has '
                f'{len(ann["dp_masks"])} dp_masks, expected 14')
        out[ann['image_id']]['annotations'].append(ann)
    return {v['stem']: v for v in out.values()}


def densepose_keypoints(entry: dict) -> List[dict]:
    """Keypoints (one per visible part) of every annotated person of an image.

    Returns:
        list: dict(points (K, 2), labels (K,), size float: sqrt of the box
        area) per person with at least one part.
    """
    instances = []
    for ann in entry['annotations']:
        parts = part_masks_in_image(ann, entry['size'])
        points, labels = part_centres(parts)
        if len(labels):
            instances.append(
                dict(points=points, labels=labels,
                     size=float(np.sqrt(ann['bbox'][2] * ann['bbox'][3]))))
    return instances


def gaussian_keypoint_labels(points: np.ndarray,
                             labels: np.ndarray,
                             sigmas: np.ndarray,
                             shape: Tuple[int, int],
                             labelled_thr: float = 0.5,
                             background_thr: float = 0.05,
                             ignore_index: int = 255) -> np.ndarray:
    """SPML's keypoint preprocessing (Appendix A.3).

    Every keypoint k spreads a Gaussian ``g_k(p) = exp(-|p - p_k|^2 / (2
    sigma_k^2))``. A pixel whose strongest response ``max_k g_k`` is at least
    ``labelled_thr`` takes that keypoint's label; a pixel whose strongest
    response is below ``background_thr`` is background (0); the pixels in
    between are unknown (``ignore_index``), to be filled by label propagation.

    Args:
        points (np.ndarray): (K, 2) keypoints as (x, y) continuous coordinates.
        labels (np.ndarray): (K,) part labels (1..).
        sigmas (np.ndarray): (K,) standard deviations in pixels (from the size
            of each keypoint's instance).
        shape (tuple): (H, W).
        labelled_thr (float): Response above which a pixel is labelled.
        background_thr (float): Response below which a pixel is background.
        ignore_index (int): The value of unknown pixels.

    Returns:
        np.ndarray: (H, W) uint8 label map.
    """
    h, w = shape
    out = np.zeros((h, w), dtype=np.uint8)
    if len(points) == 0:
        return out
    best = np.zeros((h, w), dtype=np.float64)
    best_label = np.zeros((h, w), dtype=np.uint8)
    ys = np.arange(h) + 0.5
    xs = np.arange(w) + 0.5
    for (px, py), lab, sig in zip(points, labels, sigmas):
        # separable Gaussian: one (H, W) outer product per keypoint
        g = np.outer(np.exp(-(ys - py)**2 / (2 * sig**2)),
                     np.exp(-(xs - px)**2 / (2 * sig**2)))
        better = g > best
        best[better] = g[better]
        best_label[better] = lab
    out[best >= background_thr] = ignore_index
    labelled = best >= labelled_thr
    out[labelled] = best_label[labelled]
    return out
