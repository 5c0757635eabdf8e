# A CAM classifier on EfficientNet-Lite0 (ImageNet weights, TF normalisation;
# see pce_deeplabv3_lite0-d8.py) at output stride 16: a bias-free 1x1
# classifier on the 320-d features, GAP, multi-label soft-margin loss. Every
# class has a CAM (no background class: CamVid); VOC-like leaves set
# background_index=0. CAMs for inference as in cam_r50-d16.py.
_base_ = ['./pce_deeplabv3_lite0-d8.py']
model = dict(
    type='CAMEncoderDecoder',
    backbone=dict(output_stride=16),
    decode_head=dict(
        _delete_=True,
        type='CAMHead',
        in_channels=320,
        in_index=0,
        num_classes=11,
        background_index=None,
        loss_decode=dict(type='MultiLabelSoftMarginLoss', loss_weight=1.0)),
    cam_cfg=dict(
        scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_threshold=0.15,
        use_tags=True))
