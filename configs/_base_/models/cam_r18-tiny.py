# A CAM classifier (IRN style: a bias-free 1x1 classifier on the backbone
# features, GAP, multi-label soft-margin loss) on the small ResNetV1c-18 of
# pce_r18-tiny.py, for the toy set and CPU runs. CAMs for inference: scales
# (1.0, 0.5, 1.5, 2.0) and flips summed, max-normalised per class, kept for
# the image's tags; background where every CAM is below 0.15.
_base_ = ['./pce_r18-tiny.py']
model = dict(
    type='CAMEncoderDecoder',
    decode_head=dict(
        _delete_=True,
        type='CAMHead',
        in_channels=128,
        in_index=0,
        num_classes=4,
        background_index=0,
        loss_decode=dict(type='MultiLabelSoftMarginLoss', loss_weight=1.0)),
    cam_cfg=dict(
        scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_threshold=0.15,
        use_tags=True))
