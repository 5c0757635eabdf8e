# Partial cross-entropy on CamVid from points derived from the masks (one click
# at the centre of every segment of at least 20 pixels), ResNetV1c-18 (32 base
# channels) + ASPP from scratch, 1k iterations of 8 crops: a CPU-sized budget.
_base_ = [
    '../_base_/models/pce_r18-w32.py', '../_base_/datasets/camvid_weak.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
crop_size = (176, 176)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
randomness = dict(seed=0, deterministic=False)
