from .cam_head import CAMHead
from .spml_head import SPMLHead

__all__ = ['CAMHead', 'SPMLHead']
