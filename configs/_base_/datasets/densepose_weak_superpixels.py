# densepose_weak.py with SPML's low-level over-segments: Felzenszwalb
# superpixels (scale 300, min size 400) of each augmented crop, computed in the
# data workers.
_base_ = ['./densepose_weak.py']
crop_size = (512, 512)
flip_pairs = [(3, 2), (4, 5), (7, 6), (9, 8), (10, 11), (12, 13)]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='WeakRandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5, swap_label_pairs=flip_pairs),
    dict(type='GenerateSuperpixels', method='felzenszwalb', scale=300,
         min_size=400),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
