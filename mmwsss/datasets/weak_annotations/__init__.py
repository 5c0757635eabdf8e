"""Readers of the weak-label formats users have on disk."""
from .coco_boxes import load_coco_boxes
from .densepose import (DENSEPOSE_FLIP_PAIRS, DENSEPOSE_PARTS, decode_rle,
                        densepose_keypoints, gaussian_keypoint_labels,
                        load_densepose, part_centres, part_masks_in_image)
from .errors import WeakLabelError
from .label_map import load_label_map, points_from_label_map
from .scribble_xml import parse_scribble_xml, rasterize_strokes
from .tag_list import load_tag_list, tags_from_mask
from .voc_xml import parse_voc_xml
from .whats_the_point import load_whats_the_point

__all__ = [
    'DENSEPOSE_FLIP_PAIRS', 'DENSEPOSE_PARTS', 'WeakLabelError',
    'decode_rle', 'densepose_keypoints', 'gaussian_keypoint_labels',
    'load_coco_boxes', 'load_densepose', 'load_label_map', 'load_tag_list',
    'load_whats_the_point', 'parse_scribble_xml', 'parse_voc_xml',
    'part_centres', 'part_masks_in_image', 'points_from_label_map',
    'rasterize_strokes', 'tags_from_mask'
]
