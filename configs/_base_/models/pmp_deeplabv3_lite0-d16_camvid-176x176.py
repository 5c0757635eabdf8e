# PMP's pseudo-masks on the CamVid benchmark's pretrained model
# (pce_deeplabv3_lite0-d16_camvid-176x176.py: EfficientNet-Lite0 with ImageNet
# weights at output stride 16, an ASPP of 128 channels with BN): PMPHead wraps
# the ASPP decoder; 11 classes, no background class (bg_label=None).
_base_ = ['./pce_deeplabv3_lite0-d16_camvid-176x176.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='ImageGuidedEncoderDecoder',
    decode_head=dict(
        _delete_=True,
        type='PMPHead',
        decoder=dict(
            type='ASPPHead',
            in_channels=320,
            in_index=0,
            channels=128,
            dilations=(1, 6, 12, 18),
            dropout_ratio=0.1,
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=11,
        bg_label=None,
        refiner=dict(type='PACRefiner'),
        distance_fields=True,
        use_blots=True,
        threshold=0.75,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [
    dict(type='ExpansionScoreHook', eta=0.025, omega=-0.025,
         object_speed=2.0)
]
