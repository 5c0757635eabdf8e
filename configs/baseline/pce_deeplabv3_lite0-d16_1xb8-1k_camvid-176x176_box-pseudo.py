# Partial cross-entropy on CamVid from the dense pseudo-masks of boxes derived
# from the masks (see _base_/datasets/camvid_box_pseudo.py for the command that
# makes them), same model, crop, budget and seed as the point run.
_base_ = [
    '../_base_/models/pce_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_box_pseudo.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_1k.py'
]
randomness = dict(seed=0, deterministic=False)
