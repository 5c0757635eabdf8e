"""Weak labels derived from dense masks, for datasets without real weak labels."""
from .boxes import boxes_from_mask
from .components import connected_segments
from .point_blots import perturb_points, point_blots
from .points import innermost_pixel, points_from_mask
from .points_from_boxes import pixels_covered_by_boxes, points_from_boxes
from .scribbles import scribbles_from_mask

__all__ = [
    'boxes_from_mask', 'connected_segments', 'innermost_pixel',
    'perturb_points', 'point_blots', 'points_from_mask',
    'scribbles_from_mask', 'pixels_covered_by_boxes', 'points_from_boxes'
]
