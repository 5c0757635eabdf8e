# Partial cross-entropy on CamVid from the CAM pseudo-labels of image tags
# derived from the masks: tools/make_cams.py --labels-dir on the CAM network
# (arg-max of the kept CAMs, unlabelled where every CAM is below 0.15; see
# benchmarks/cam_family.py --suite camvid --downstream). Model, crop, budget
# and seed of pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_point.py.
_base_ = [
    '../_base_/models/pce_deeplabv3_lite0-d16.py',
    '../_base_/datasets/camvid_label_map.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_1k.py'
]
crop_size = (176, 176)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(channels=128, num_classes=11, norm_cfg=norm_cfg))
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            dir='{{fileDirname}}/../../work_dirs/cam_cues/camvid_tag')))
randomness = dict(seed=0, deterministic=False)
