"""Geometry of weak labels, shared by datasets, models, apis and tools."""
from .boxes import box_area_order, box_pixel_ranges
from .weak_target import rasterize_weak_target

__all__ = ['box_area_order', 'box_pixel_ranges', 'rasterize_weak_target']
