# SPML on the small DeepLabV3 of the toy / CPU configs: the ASPP head gives
# 64-d unit embeddings, a 1x1 softmax classifier on the detached embeddings
# predicts the classes.
_base_ = ['./pce_r18-tiny.py']
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
        loss_image=dict(type='SegSortPlusLoss', kappa=16, loss_weight=0.1),
        loss_annotation=dict(type='SegSortPlusLoss', kappa=6,
                             loss_weight=1.0),
        loss_cooccurrence=dict(type='SegSortPlusLoss', kappa=12,
                               loss_weight=0.5),
        loss_affinity=None,
        cooccurrence_ignore=(0, ),  # background is no shared context
        memory_batches=2,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='MemoryBankHook')]
