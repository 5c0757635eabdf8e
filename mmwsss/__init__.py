"""mmwsss: weakly supervised semantic segmentation on top of mmsegmentation."""
from . import compat  # noqa: F401  (upstream work-arounds, applied on import)
from .version import __version__

__all__ = ['__version__']
