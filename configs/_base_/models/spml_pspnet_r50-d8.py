# SPML on mmseg's PSPNet (dilated ResNetV1c, output stride 8, pyramid pooling),
# SPML's architecture on DensePose: the PSP head gives 32-d unit embeddings, a
# 1x1 softmax classifier on the detached embeddings predicts the classes. The
# DensePose setting: 15 classes (14 body parts + background), 144 k-means
# clusters, segments also cut by the Gaussian keypoint labels, Table 5's
# DensePose losses (feature affinity instead of co-occurrence). No auxiliary
# head (SPML has none).
_base_ = ['mmseg::_base_/models/pspnet_r50-d8.py', './spml_losses.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
# the model inherits mmseg's `_scope_`; mmwsss's registries (children of
# mmseg's) find both mmwsss and mmseg modules
model = dict(
    _scope_='mmwsss',
    auxiliary_head=None,
    decode_head=dict(
        _delete_=True,
        type='SPMLHead',
        decoder=dict(
            type='PSPHead',
            in_channels=2048,
            in_index=3,
            channels=512,
            pool_scales=(1, 2, 3, 6),
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=15,
        embed_dim=32,
        kmeans_grid=(12, 12),  # 144 clusters (DensePose)
        kmeans_iters=10,
        **_base_.spml_losses.densepose_point,
        split_by_labels=True,
        cooccurrence_ignore=(),
        memory_batches=2,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='MemoryBankHook')]
