from .dense_crf import dense_crf

__all__ = ['dense_crf']
