from .contour_metric import ContourMetric, boundary_f_score, seg2bmap

__all__ = ['ContourMetric', 'boundary_f_score', 'seg2bmap']
