"""Readers of the weak-label formats users have on disk.

Each format has its parser functions and a registered source
(``WEAK_ANNOTATIONS``) that ``WeakSegDataset`` builds from ``weak_ann``.
"""
from .base import WEAK_LABELS, BaseWeakAnnotation
from .coco_boxes import COCOBoxes, load_coco_boxes
from .densepose import (DENSEPOSE_FLIP_PAIRS, DENSEPOSE_PARTS, decode_rle,
                        densepose_keypoints, gaussian_keypoint_labels,
                        load_densepose, part_centres, part_masks_in_image)
from .errors import EmptyWeakAnnotation, WeakLabelError
from .from_mask import FromMask
from .label_map import LabelMap, load_label_map, points_from_label_map
from .pseudo_masks import PseudoMasks
from .scribble_xml import ScribbleXML, parse_scribble_xml, rasterize_strokes
from .tag_list import TagList, load_tag_list, tags_from_mask
from .voc_xml import VOCXML, parse_voc_xml
from .whats_the_point import (WhatsThePoint, drop_clicks_outside,
                              load_whats_the_point, read_whats_the_point_file)

__all__ = [
    'BaseWeakAnnotation', 'COCOBoxes', 'DENSEPOSE_FLIP_PAIRS',
    'DENSEPOSE_PARTS', 'EmptyWeakAnnotation', 'FromMask', 'LabelMap',
    'PseudoMasks',
    'ScribbleXML', 'TagList', 'VOCXML', 'WEAK_LABELS', 'WeakLabelError',
    'WhatsThePoint', 'decode_rle', 'densepose_keypoints',
    'drop_clicks_outside', 'gaussian_keypoint_labels', 'load_coco_boxes',
    'load_densepose', 'load_label_map', 'load_tag_list',
    'load_whats_the_point', 'parse_scribble_xml', 'parse_voc_xml',
    'part_centres', 'part_masks_in_image', 'points_from_label_map',
    'rasterize_strokes', 'read_whats_the_point_file', 'tags_from_mask'
]
