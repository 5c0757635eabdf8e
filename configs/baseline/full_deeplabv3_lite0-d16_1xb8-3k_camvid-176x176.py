# Full supervision on CamVid with DeepLabV3 on the ImageNet-pretrained
# EfficientNet-Lite0 at output stride 16 (ASPP of 128 channels, BN), 8 crops
# of 176x176 per iteration, 3k iterations validated every 250: the learning
# curve that fixes the budget of the weak-label runs on this backbone.
_base_ = [
    '../_base_/models/pce_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_full.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_3k.py'
]
randomness = dict(seed=0, deterministic=False)
