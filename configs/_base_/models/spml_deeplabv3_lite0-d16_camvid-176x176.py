# spml_deeplabv3_lite0-d16.py as the CamVid benchmark rows use it: 11 classes,
# an ASPP of 128 channels with BN (one process), 176x176 crops, no class left
# out of co-occurrence (CamVid has no background class), predictions by the S1
# softmax classifier (fixed before any CamVid result was seen). Leaves pick
# Table 5's losses.
_base_ = ['./spml_deeplabv3_lite0-d16.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=(176, 176)),
    decode_head=dict(
        decoder=dict(channels=128, norm_cfg=norm_cfg),
        num_classes=11,
        cooccurrence_ignore=(),
        predict_with='classifier'))
