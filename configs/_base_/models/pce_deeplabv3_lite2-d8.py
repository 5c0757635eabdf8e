# pce_deeplabv3_lite0-d8.py on EfficientNet-Lite2 (352 channels at the top).
_base_ = ['./pce_deeplabv3_lite0-d8.py']
model = dict(
    backbone=dict(arch='lite2'), decode_head=dict(in_channels=352))
