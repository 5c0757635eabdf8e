# Partial cross-entropy on CamVid from the dense pseudo-masks of boxes derived
# from the masks (see _base_/datasets/camvid_box_pseudo.py for the command that
# makes them), same model, crop, budget and seed as the point run.
_base_ = [
    '../_base_/models/pce_deeplabv3_lite0-d16.py',
    '../_base_/datasets/camvid_box_pseudo.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_1k.py'
]
crop_size = (176, 176)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(channels=128, num_classes=11, norm_cfg=norm_cfg))
randomness = dict(seed=0, deterministic=False)
