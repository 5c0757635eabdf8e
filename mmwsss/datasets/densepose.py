from mmwsss.registry import DATASETS
from .weak_annotations import DENSEPOSE_FLIP_PAIRS, DENSEPOSE_PARTS
from .weak_seg_dataset import WeakSegDataset


@DATASETS.register_module()
class DensePoseWeakDataset(WeakSegDataset):
    """DensePose-COCO body parts (14 parts + background) with keypoints.

    Images come from COCO 2014 (``train2014/``, ``val2014/``); the dense part
    masks and the Gaussian keypoint labels are label PNGs written by
    ``tools/dataset_converters/densepose.py`` from the DensePose JSON files
    (``densepose_coco_2014_{train,minival}.json``). The split lists are written
    by the same tool. Horizontal flips must swap left and right parts: use
    ``WeakRandomFlip(swap_label_pairs=DensePoseWeakDataset.FLIP_PAIRS)``.
    """
    METAINFO = dict(
        classes=('background', ) + DENSEPOSE_PARTS,
        palette=[[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0],
                 [0, 0, 128], [128, 0, 128], [0, 128, 128], [128, 128, 128],
                 [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
                 [64, 0, 128], [192, 0, 128], [64, 128, 128]])
    FLIP_PAIRS = DENSEPOSE_FLIP_PAIRS

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.png', **kwargs):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
