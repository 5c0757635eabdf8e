from mmseg.datasets import PascalVOCDataset

from mmwsss.registry import DATASETS
from .weak_seg_dataset import WeakSegDataset


@DATASETS.register_module()
class PascalVOCWeakDataset(WeakSegDataset):
    """PASCAL VOC 2012 (+ SBD aug) with weak labels, in mmseg's folder layout.

    ``VOCdevkit/VOC2012/{JPEGImages, SegmentationClass, SegmentationClassAug,
    Annotations, ImageSets/Segmentation}`` plus the weak-label folders next to
    them (e.g. ``pascal_2012_scribble/`` XMLs, "What's the point" JSONs).

    Args:
        ann_file (str): Split file, e.g. ``ImageSets/Segmentation/train.txt``.
        **kwargs: Arguments of :class:`WeakSegDataset`.
    """
    METAINFO = PascalVOCDataset.METAINFO

    def __init__(self, ann_file: str, img_suffix='.jpg', seg_map_suffix='.png',
                 **kwargs):
        super().__init__(
            ann_file=ann_file, img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix, **kwargs)
