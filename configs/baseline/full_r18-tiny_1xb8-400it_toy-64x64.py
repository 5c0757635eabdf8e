# Full supervision on the toy set (upper bound for the weak baselines), the
# model, budget and seed of pce_r18-tiny_1xb8-400it_toy-64x64_point.py.
_base_ = [
    '../_base_/models/pce_r18-tiny.py', '../_base_/datasets/toy_full.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_400it.py'
]
crop_size = (64, 64)
model = dict(data_preprocessor=dict(size=crop_size))
randomness = dict(seed=0, deterministic=False)
