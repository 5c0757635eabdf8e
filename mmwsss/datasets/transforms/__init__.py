from .formatting import PackWeakSegInputs
from .geometric import WeakRandomCrop, WeakRandomFlip, WeakRandomResize
from .loading import LoadWeakAnnotations

__all__ = [
    'LoadWeakAnnotations', 'PackWeakSegInputs', 'WeakRandomCrop',
    'WeakRandomFlip', 'WeakRandomResize'
]
