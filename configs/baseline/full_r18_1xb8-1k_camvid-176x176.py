# Full supervision on CamVid with the model, budget and seed of the weak runs
# (pce_r18_1xb8-1k_camvid-176x176_point.py).
_base_ = [
    '../_base_/models/pce_r18-w32.py', '../_base_/datasets/camvid_full.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
crop_size = (176, 176)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
randomness = dict(seed=0, deterministic=False)
