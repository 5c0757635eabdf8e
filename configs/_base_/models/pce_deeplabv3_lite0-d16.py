# pce_deeplabv3_lite0-d8.py at output stride 16, ASPP rates halved.
_base_ = ['./pce_deeplabv3_lite0-d8.py']
model = dict(
    backbone=dict(output_stride=16),
    decode_head=dict(dilations=(1, 6, 12, 18)))
