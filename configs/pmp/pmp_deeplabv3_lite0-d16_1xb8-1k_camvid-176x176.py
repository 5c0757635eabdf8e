# PMP's pseudo-masks (EDF, point blots, PAC) on the pretrained model of the
# CamVid benchmark (EfficientNet-Lite0 with ImageNet weights, output stride
# 16, ASPP of 128 channels), with the points, crop, budget and seed of
# pmp_fcn_r50-ws-gn-d8_1xb8-1k_camvid-176x176.py.
_base_ = [
    '../_base_/models/pmp_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_points_pmp.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_1k.py'
]
randomness = dict(seed=0, deterministic=False)
