# SPML on DeepLabV3 with EfficientNet-Lite0 (ImageNet weights, output stride
# 8): the ASPP head gives 64-d unit embeddings, a 1x1 softmax classifier on the
# detached embeddings predicts the classes. The VOC setting: 21 classes, 36
# k-means clusters, Table 5's scribble losses.
# Output stride 16: spml_deeplabv3_lite0-d16.py.
_base_ = ['./pce_deeplabv3_lite0-d8.py', './spml_losses.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='SPMLHead',
        decoder=dict(
            type='ASPPHead',
            in_channels=320,
            in_index=0,
            channels=256,
            dilations=(1, 12, 24, 36),
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=21,
        embed_dim=64,
        kmeans_grid=(6, 6),  # 36 clusters (VOC)
        kmeans_iters=10,
        **_base_.spml_losses.voc_scribble,
        cooccurrence_ignore=(0, ),  # background is no shared context
        memory_batches=2,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='MemoryBankHook')]
