from mmseg.datasets import PascalContextDataset59

from mmwsss.registry import DATASETS
from .weak_seg_dataset import WeakSegDataset


@DATASETS.register_module()
class PascalContextWeakDataset(WeakSegDataset):
    """PASCAL-Context (59 classes) with weak labels, in mmseg's layout.

    ``VOCdevkit/VOC2010/{JPEGImages, SegmentationClassContext,
    ImageSets/SegmentationContext/{train,val}.txt}``, as mmseg's
    ``pascal_context.py`` converter writes them and its
    ``PascalContextDataset59`` reads them (the same classes and palette).
    Mask value 0 is the background of the other classes; with
    ``reduce_zero_label=True`` (the default) it becomes 255 (ignored) and
    classes 1..59 become 0..58, for the dense validation masks and for the
    weak labels :class:`GenerateWeakLabelsFromMask` derives from the masks
    (``weak_ann=dict(type='from_mask')``): both read masks through
    ``read_seg_map``, which applies the sample's ``reduce_zero_label``.

    Args:
        ann_file (str): Split file, e.g.
            ``ImageSets/SegmentationContext/train.txt``.
        reduce_zero_label (bool): Defaults to True (59 classes).
        **kwargs: Arguments of :class:`WeakSegDataset`.
    """
    METAINFO = PascalContextDataset59.METAINFO

    def __init__(self, ann_file='', img_suffix='.jpg', seg_map_suffix='.png',
                 reduce_zero_label=True, **kwargs):
        super().__init__(
            ann_file=ann_file, img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label, **kwargs)
