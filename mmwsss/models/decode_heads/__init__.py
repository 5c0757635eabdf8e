from .cam_head import CAMHead
from .pdml_head import PDMLHead
from .pmp_head import PMPHead
from .spml_head import SPMLHead

__all__ = ['CAMHead', 'PDMLHead', 'PMPHead', 'SPMLHead']
