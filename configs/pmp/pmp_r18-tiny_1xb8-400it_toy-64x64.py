# PMP on the toy set: the "What's the point" clicks (objects and background),
# point blots computed on the fly (toy_points_pmp.py), the small ResNet-18 of
# the toy configs with PMPHead around its ASPP decoder (EDF, blots and PAC),
# ExpansionScoreHook per pass over the 96 training images (12 iterations).
_base_ = [
    '../_base_/models/pce_r18-tiny.py', '../_base_/datasets/toy_points_pmp.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_400it.py'
]
crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='ImageGuidedEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        _delete_=True,
        type='PMPHead',
        decoder=dict(
            type='ASPPHead',
            in_channels=128,
            in_index=0,
            channels=64,
            dilations=(1, 6, 12, 18),
            dropout_ratio=0.1,
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=4,
        bg_label=0,
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
randomness = dict(seed=0, deterministic=False)
