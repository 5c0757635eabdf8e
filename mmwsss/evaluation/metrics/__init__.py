from .contour_metric import ContourMetric, boundary_f_score, seg2bmap
from .per_class_iou import per_class_iou

__all__ = ['ContourMetric', 'boundary_f_score', 'seg2bmap', 'per_class_iou']
