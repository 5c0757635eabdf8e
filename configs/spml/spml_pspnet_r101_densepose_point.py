# SPML on DensePose-COCO from keypoints (one point per body part, Gaussian
# labels of Appendix A.3): PSPNet ResNet-101, 32-d embeddings, 144 k-means
# clusters, 16 images per batch (4 GPUs x 4), 512x512 crops, SGD lr 0.003
# poly 0.9, 45k iterations; Table 5: lambda_I 0.1 / kappa_I 16, lambda_C 1 /
# kappa_C 6, no co-occurrence, lambda_A 0.5 / kappa_A 12.
_base_ = [
    '../_base_/models/spml_deeplabv3_r50-d8.py',
    '../_base_/datasets/densepose_weak.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_30k_spml.py'
]
crop_size = (512, 512)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101),
    decode_head=dict(
        decoder=dict(
            _delete_=True,
            type='PSPHead',
            in_channels=2048,
            in_index=3,
            channels=512,
            pool_scales=(1, 2, 3, 6),
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=15,
        embed_dim=32,
        kmeans_grid=(12, 12),
        loss_image=dict(kappa=16, loss_weight=0.1),
        loss_annotation=dict(kappa=6, loss_weight=1.0),
        loss_cooccurrence=None,
        loss_affinity=dict(_delete_=True, type='SegSortPlusLoss', kappa=12,
                           loss_weight=0.5),
        split_by_labels=True,
        cooccurrence_ignore=()))
flip_pairs = [(3, 2), (4, 5), (7, 6), (9, 8), (10, 11), (12, 13)]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_dense_gt=False),
    dict(type='WeakRandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5, swap_label_pairs=flip_pairs),
    dict(type='GenerateSuperpixels', method='felzenszwalb', scale=300,
         min_size=400),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=45000,
         by_epoch=False)
]
train_cfg = dict(max_iters=45000, val_interval=4500)
default_hooks = dict(checkpoint=dict(interval=4500))
