from .camvid import CamVidWeakDataset
from .densepose import DensePoseWeakDataset
from .toy import ToyWeakDataset, make_toy_dataset
from .transforms import *  # noqa: F401,F403
from .voc import PascalVOCWeakDataset
from .weak_seg_dataset import WeakSegDataset
from .pascal_context import PascalContextWeakDataset

__all__ = [
    'CamVidWeakDataset', 'DensePoseWeakDataset', 'PascalVOCWeakDataset',
    'ToyWeakDataset', 'WeakSegDataset', 'make_toy_dataset',
    'PascalContextWeakDataset'
]
