from .formatting import PackWeakSegInputs
from .from_mask import GenerateWeakLabelsFromMask
from .geometric import WeakRandomCrop, WeakRandomFlip, WeakRandomResize
from .loading import LoadWeakAnnotations
from .loading_steps import loading_steps
from .point_blots import GeneratePointBlots, LoadPointBlots
from .superpixels import GenerateSuperpixels, LoadSuperpixels
from .points_from_boxes import PointsFromBoxes
from .vertical_flip import WeakRandomVerticalFlip

__all__ = [
    'GenerateSuperpixels', 'GenerateWeakLabelsFromMask', 'LoadSuperpixels',
    'LoadWeakAnnotations', 'PackWeakSegInputs', 'WeakRandomCrop',
    'WeakRandomFlip', 'WeakRandomResize', 'loading_steps',
    'GeneratePointBlots', 'LoadPointBlots', 'PointsFromBoxes',
    'WeakRandomVerticalFlip'
]
