# Partial cross-entropy on CamVid from points derived from the masks (one click
# at the centre of every segment of at least 20 pixels), ResNetV1c-18 (32 base
# channels) + ASPP from scratch, 1k iterations of 8 crops: a CPU-sized budget.
_base_ = [
    '../_base_/models/pce_r18-tiny.py', '../_base_/datasets/camvid_weak.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_toy.py'
]
crop_size = (176, 176)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=128, num_classes=11))
optimizer = dict(lr=0.02)
optim_wrapper = dict(optimizer=optimizer)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=1000,
         by_epoch=False)
]
train_cfg = dict(max_iters=1000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
randomness = dict(seed=0, deterministic=False)
