# mmseg's DeepLabV3 (dilated ResNetV1c, ASPP) trained with partial cross-entropy
# on the weak label map: the loss only sees labelled pixels.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']
# the model inherits mmseg's `_scope_`; mmwsss's registries (children of
# mmseg's) find both mmwsss and mmseg modules
model = dict(
    _scope_='mmwsss',
    decode_head=dict(
        loss_decode=dict(
            _delete_=True, type='PartialCrossEntropyLoss', loss_weight=1.0)),
    auxiliary_head=dict(
        loss_decode=dict(
            _delete_=True, type='PartialCrossEntropyLoss', loss_weight=0.4)))
