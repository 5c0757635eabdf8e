# PDML from "What's the point" clicks on the toy set: the small DeepLabV3 of
# pce_r18-tiny_1xb8-400it_toy-64x64_point.py, its backbone's 128-channel
# output as the raw embeddings and its ASPP as the classifier, point
# cross-entropy, the cross-image triplet loss and online extension from
# iteration 200.
_base_ = ['../baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='PDMLHead',
        decoder=dict(
            type='ASPPHead',
            in_channels=128,
            in_index=0,
            channels=64,
            dilations=(1, 6, 12, 18),
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=4,
        loss_triplet=dict(
            type='TripletMetricLoss', alpha=0.8, beta=1.0, margin=20.0,
            loss_weight=1.0),
        extension=dict(threshold=0.7, window=5, start_iter=200),
        dropout_ratio=0.1,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)))
