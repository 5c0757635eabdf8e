# SPML on the small DeepLabV3 of the toy / CPU configs: the ASPP head gives
# 64-d unit embeddings, a 1x1 softmax classifier on the detached embeddings
# predicts the classes; 36 k-means clusters, Table 5's VOC scribble losses.
_base_ = ['./pce_r18-tiny.py', './spml_losses.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='SPMLHead',
        decoder=dict(
            type='ASPPHead',
            in_channels=128,
            in_index=0,
            channels=64,
            dilations=(1, 6, 12, 18),
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=4,
        embed_dim=64,
        kmeans_grid=(6, 6),
        kmeans_iters=10,
        **_base_.spml_losses.voc_scribble,
        cooccurrence_ignore=(0, ),  # background is no shared context
        memory_batches=2,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='MemoryBankHook')]
