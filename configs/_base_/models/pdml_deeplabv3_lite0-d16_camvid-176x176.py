# PDML on the CamVid benchmark's model (pce_deeplabv3_lite0-d16_camvid-176x176.py:
# EfficientNet-Lite0 with ImageNet weights at output stride 16, an ASPP of 128
# channels with BN, 11 classes): the backbone's 320-channel output at stride
# 16, the ASPP's input, holds the raw embeddings f and the whole ASPP decoder
# is the classifier g (PDML's DeepLab: f the atrous ResNet, g its ASPP), so the
# network is the partial-CE one, trained with more losses. Point cross-entropy
# plus the cross-image triplet loss (alpha 0.8, beta 1, margin 20); extension
# off (the *_ext leaves switch it on).
_base_ = ['./pce_deeplabv3_lite0-d16_camvid-176x176.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='PDMLHead',
        decoder=dict(
            type='ASPPHead',
            in_channels=320,
            in_index=0,
            channels=128,
            dilations=(1, 6, 12, 18),
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=11,
        loss_triplet=dict(
            type='TripletMetricLoss', alpha=0.8, beta=1.0, margin=20.0,
            loss_weight=1.0),
        dropout_ratio=0.1,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)))
