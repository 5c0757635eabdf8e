# SPML on VOC 2012 aug from ScribbleSup scribbles (Ke et al., 2021): DeepLab
# ResNet-101 (output stride 8), 64-d embeddings, 36 k-means clusters,
# 12 images per batch (4 GPUs x 3), 512x512 crops, SGD lr 0.003 poly 0.9, 30k
# iterations; Table 5: lambda_I 0.1 / kappa_I 16, lambda_C 1 / kappa_C 6,
# lambda_O 0.5 / kappa_O 12, no feature affinity.
#
#   bash tools/dist_train.sh configs/spml/spml_r101_voc_scribble.py 4
#
# Low-level over-segments: Felzenszwalb superpixels computed on the fly. To
# use precomputed regions (SPML/SegSort use HED + gPb-owt-ucm), replace the
# GenerateSuperpixels step by
#   dict(type='LoadSuperpixels', dir='data/VOCdevkit/VOC2012/Overseg')
# right after LoadWeakAnnotations (one region-id PNG per image).
_base_ = [
    '../_base_/models/spml_deeplabv3_r50-d8.py',
    '../_base_/datasets/voc12aug_weak.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_30k_spml.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101),
    decode_head=dict(
        loss_image=dict(kappa=16, loss_weight=0.1),
        loss_annotation=dict(kappa=6, loss_weight=1.0),
        loss_cooccurrence=dict(kappa=12, loss_weight=0.5)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_dense_gt=False),
    dict(type='WeakRandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0)),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='GenerateSuperpixels', method='felzenszwalb', scale=300,
         min_size=400),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(batch_size=3, dataset=dict(pipeline=train_pipeline))
