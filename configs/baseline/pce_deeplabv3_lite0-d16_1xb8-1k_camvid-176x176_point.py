# Partial cross-entropy on CamVid from points derived from the masks (one
# click at the innermost pixel of every segment of at least 20 pixels), with
# the model, crop, budget and seed of
# full_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176.py.
_base_ = [
    '../_base_/models/pce_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_weak.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_1k.py'
]
randomness = dict(seed=0, deterministic=False)
