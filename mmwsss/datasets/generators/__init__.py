"""Weak labels derived from dense masks, for datasets without real weak labels."""
from .boxes import boxes_from_mask
from .components import connected_segments
from .points import innermost_pixel, points_from_mask
from .scribbles import scribbles_from_mask

__all__ = [
    'boxes_from_mask', 'connected_segments', 'innermost_pixel',
    'points_from_mask',
    'scribbles_from_mask'
]
