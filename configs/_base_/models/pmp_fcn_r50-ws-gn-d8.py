# PMP (Akiva & Dana, "Towards single stage WSSS"): an FCN on a ResNet-50 trained
# from scratch (no ImageNet weights, no classification stage), with weight
# standardisation in every convolution (mmcv's ConvWS) and GroupNorm with 32
# groups; mmseg's dilated ResNetV1c at output stride 8 and its FCN head (two
# 3x3 convolutions) give the C + 1 = 21 VOC logits (background = class 0).
# Every iteration PMPHead turns the logits into a pseudo-mask: softmax, the PAC
# refiner (no weights) guided by the augmented input, times the expanding
# distance fields of the points (scores from ExpansionScoreHook), threshold
# 0.75, point blots, then the points; the loss is the cross-entropy on the
# pseudo-mask's labelled pixels. ImageGuidedEncoderDecoder hands the head the
# augmented images. Inference: one forward pass, arg-max (optional DenseCRF:
# model.crf).
conv_cfg = dict(type='ConvWS')
norm_cfg = dict(type='GN', num_groups=32, requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    _scope_='mmwsss',
    type='ImageGuidedEncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='PMPHead',
        decoder=dict(
            type='FCNHead',
            in_channels=2048,
            in_index=3,
            channels=512,
            num_convs=2,
            concat_input=True,
            dropout_ratio=0.1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=21,
        bg_label=0,
        refiner=dict(type='PACRefiner'),
        distance_fields=True,
        use_blots=True,
        threshold=0.75,
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# E_obj / E_bg of the distance fields, updated after every epoch (a pass over
# the training set under IterBasedTrainLoop)
custom_hooks = [
    dict(type='ExpansionScoreHook', eta=0.025, omega=-0.025,
         object_speed=2.0)
]
