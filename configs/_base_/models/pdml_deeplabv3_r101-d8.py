# PDML (Qian et al., AAAI'19) on mmseg's DeepLabV3: the dilated ResNetV1c-101
# (ImageNet weights, output stride 8) is the feature extractor f, whose
# 2048-channel res5 map holds the raw pixel embeddings, and the ASPP decoder is
# the classifier g of the 59 PASCAL-Context classes. Point cross-entropy plus
# the cross-image triplet loss (alpha 0.8, beta 1, margin 20) on the embeddings
# of the annotated pixels. The paper's network is DeepLab's ResNet-101 with
# atrous convolutions and an ASPP classifier; mmseg's DeepLabV3 is the closest
# model mmseg ships. Online extension is off here; the *_ext leaves switch it
# on. No auxiliary head (the paper has none).
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    _scope_='mmwsss',
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101),
    auxiliary_head=None,
    decode_head=dict(
        _delete_=True,
        type='PDMLHead',
        decoder=dict(
            type='ASPPHead',
            in_channels=2048,
            in_index=3,
            channels=512,
            dilations=(1, 12, 24, 36),
            norm_cfg=norm_cfg,
            align_corners=False),
        num_classes=59,
        loss_triplet=dict(
            type='TripletMetricLoss', alpha=0.8, beta=1.0, margin=20.0,
            loss_weight=1.0),
        align_corners=False,
        loss_decode=dict(type='PartialCrossEntropyLoss', loss_weight=1.0)))
