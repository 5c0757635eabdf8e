# The GAP CAM baseline on the toy set, from image tags: the reference row of
# the CAM family (configs/hfpl, configs/vwe) on the toy set.
_base_ = [
    '../_base_/models/cam_r18-tiny.py', '../_base_/datasets/toy_tags.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_400it.py'
]
crop_size = (64, 64)
model = dict(data_preprocessor=dict(size=crop_size))
randomness = dict(seed=0, deterministic=False)
