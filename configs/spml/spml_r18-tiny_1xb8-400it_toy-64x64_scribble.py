# SPML from ScribbleSup XML scribbles on the toy set (Table 5's VOC scribble
# weights: lambda_I 0.1 / kappa_I 16, lambda_C 1 / kappa_C 6, lambda_O 0.5 /
# kappa_O 12), Felzenszwalb superpixels computed on the fly.
_base_ = [
    '../_base_/models/spml_r18-tiny.py', '../_base_/datasets/toy_weak.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_toy.py'
]
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_dense_gt=False),
    dict(type='WeakRandomResize', scale=(64, 64), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='GenerateSuperpixels', method='felzenszwalb', scale=50,
         min_size=10),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(_delete_=True, type='scribble_xml',
                      dir='weak/scribbles'),
        pipeline=train_pipeline))
model = dict(data_preprocessor=dict(size=crop_size))
randomness = dict(seed=0, deterministic=False)
