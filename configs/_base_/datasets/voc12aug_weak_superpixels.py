# voc12aug_weak.py with SPML's low-level over-segments: Felzenszwalb
# superpixels (scale 300, min size 400) of each augmented crop, computed in the
# data workers. To use precomputed regions instead (SPML / SegSort use HED +
# gPb-owt-ucm; tools/dataset_converters/superpixels.py writes Felzenszwalb or
# SLIC ones), drop GenerateSuperpixels and put
#   dict(type='LoadSuperpixels', dir='data/VOCdevkit/VOC2012/Overseg')
# right after LoadWeakAnnotations (one region-id PNG per image).
_base_ = ['./voc12aug_weak.py']
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='WeakRandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0)),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='GenerateSuperpixels', method='felzenszwalb', scale=300,
         min_size=400),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
