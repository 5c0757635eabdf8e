# SPML on CamVid from points derived from the masks, with the model, budget and
# seed of configs/baseline/pce_r18_1xb8-1k_camvid-176x176_point.py (ResNetV1c-18
# with 32 base channels, ASPP -> 64-d embeddings, from scratch, 1k iterations of
# 8 crops). Table 5's VOC point weights: lambda_I 1 / kappa_I 16, lambda_C 1 /
# kappa_C 6, lambda_O 1 / kappa_O 8; Felzenszwalb superpixels on the fly.
_base_ = [
    '../_base_/models/spml_r18-tiny.py', '../_base_/datasets/camvid_weak.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_toy.py'
]
crop_size = (176, 176)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(stem_channels=32, base_channels=32),
    decode_head=dict(
        decoder=dict(in_channels=256, channels=128),
        num_classes=11,
        loss_image=dict(kappa=16, loss_weight=1.0),
        loss_annotation=dict(kappa=6, loss_weight=1.0),
        loss_cooccurrence=dict(kappa=8, loss_weight=1.0),
        cooccurrence_ignore=()))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_dense_gt=False),
    dict(type='WeakRandomResize', scale=(240, 180), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='GenerateSuperpixels', method='felzenszwalb', scale=200,
         min_size=200),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optimizer = dict(lr=0.02)
optim_wrapper = dict(optimizer=optimizer)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=1000,
         by_epoch=False)
]
train_cfg = dict(max_iters=1000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
randomness = dict(seed=0, deterministic=False)
