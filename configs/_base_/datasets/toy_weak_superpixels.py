# toy_weak.py with SPML's low-level over-segments: Felzenszwalb superpixels
# (scale 50, min size 10) of each augmented crop, computed in the data loader.
_base_ = ['./toy_weak.py']
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='WeakRandomResize', scale=(64, 64), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='GenerateSuperpixels', method='felzenszwalb', scale=50,
         min_size=10),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
