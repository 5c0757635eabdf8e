# IRN's CAM classifier: ResNet-50 (torchvision ImageNet weights) at output
# stride 16 (the last stage not strided), a bias-free 1x1 classifier on its
# 2048-d features, GAP, multi-label soft-margin loss, 20 VOC foreground
# classes (class 0, background, has no CAM). CAMs for inference: scales
# (1.0, 0.5, 1.5, 2.0) and flips summed, max-normalised per class, kept for
# the image's tags; background below IRN's 0.15.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='CAMEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=True,  # IRN freezes BN statistics
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    decode_head=dict(
        type='CAMHead',
        in_channels=2048,
        in_index=0,
        num_classes=21,
        background_index=0,
        loss_decode=dict(type='MultiLabelSoftMarginLoss', loss_weight=1.0)),
    cam_cfg=dict(
        scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_threshold=0.15,
        use_tags=True),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
