# The GAP CAM baseline on CamVid from image tags derived from the masks:
# EfficientNet-Lite0 (ImageNet weights) at output stride 16, 8 crops of
# 176x176, 1k iterations. The reference row of the CamVid CAM comparison
# (configs/hfpl, configs/vwe).
_base_ = [
    '../_base_/models/cam_lite0-d16.py', '../_base_/datasets/camvid_tags.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_cam_1k.py'
]
crop_size = (176, 176)
model = dict(data_preprocessor=dict(size=crop_size))
randomness = dict(seed=0, deterministic=False)
