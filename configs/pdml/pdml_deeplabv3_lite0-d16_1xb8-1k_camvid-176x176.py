# PDML on CamVid: point cross-entropy and the cross-image triplet loss, from the
# points of pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_point.py (one click
# at the innermost pixel of every segment of at least 20 pixels: one point per
# segment), with its model (EfficientNet-Lite0, ImageNet weights, output
# stride 16, ASPP of 128 channels), crop, budget and seed.
_base_ = [
    '../_base_/models/pdml_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_weak.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_1k.py'
]
randomness = dict(seed=0, deterministic=False)
