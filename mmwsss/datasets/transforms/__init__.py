from .formatting import PackWeakSegInputs
from .from_mask import GenerateWeakLabelsFromMask
from .geometric import (WeakRandomCrop, WeakRandomFlip, WeakRandomResize,
                        WeakRandomVerticalFlip)
from .loading import LoadWeakAnnotations
from .loading_steps import loading_steps
from .point_blots import GeneratePointBlots, LoadPointBlots
from .points_from_boxes import PointsFromBoxes
from .superpixels import GenerateSuperpixels, LoadSuperpixels

__all__ = [
    'GenerateSuperpixels', 'GenerateWeakLabelsFromMask', 'LoadSuperpixels',
    'LoadWeakAnnotations', 'PackWeakSegInputs', 'WeakRandomCrop',
    'WeakRandomFlip', 'WeakRandomResize', 'loading_steps',
    'GeneratePointBlots', 'LoadPointBlots', 'PointsFromBoxes',
    'WeakRandomVerticalFlip'
]
