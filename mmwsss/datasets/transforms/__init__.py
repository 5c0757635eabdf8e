from .formatting import PackWeakSegInputs
from .geometric import WeakRandomCrop, WeakRandomFlip, WeakRandomResize
from .loading import LoadWeakAnnotations
from .superpixels import GenerateSuperpixels, LoadSuperpixels

__all__ = [
    'GenerateSuperpixels', 'LoadSuperpixels', 'LoadWeakAnnotations',
    'PackWeakSegInputs', 'WeakRandomCrop',
    'WeakRandomFlip', 'WeakRandomResize'
]
