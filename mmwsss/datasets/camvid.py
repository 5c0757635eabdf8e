from mmwsss.registry import DATASETS
from .weak_seg_dataset import WeakSegDataset


@DATASETS.register_module()
class CamVidWeakDataset(WeakSegDataset):
    """CamVid (11 classes) with weak labels derived from its dense masks.

    Layout: ``images/{train,val}/NAME.jpg``, ``masks/{train,val}/NAME.png``,
    ``{train,val}.txt``. Mask value 11 (void) is mapped to 255 (ignored).
    """
    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'pavement', 'tree',
                 'sign', 'fence', 'car', 'pedestrian', 'bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [0, 0, 192], [128, 128, 0], [192, 128, 128],
                 [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192]],
        ignore_values=(11, ))

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.png', **kwargs):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
