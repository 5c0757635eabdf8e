# pce_deeplabv3_lite0-d16.py as the CamVid benchmark rows use it: 11 classes,
# an ASPP of 128 channels with BN (one process), 176x176 crops.
_base_ = ['./pce_deeplabv3_lite0-d16.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=(176, 176)),
    decode_head=dict(channels=128, num_classes=11, norm_cfg=norm_cfg))
