# pce_r18-tiny.py at twice the width: ResNetV1c-18 with 32 base channels and an
# ASPP head of 128 channels, for the CamVid runs from scratch on a CPU.
_base_ = ['./pce_r18-tiny.py']
model = dict(
    backbone=dict(stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=128))
