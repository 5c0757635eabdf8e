# SPML on CamVid from the CAM pseudo-labels of boxes (box-restricted CAMs), as
# configs/baseline/pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_box-cam.py
# reads them. Table 5's box / tag losses; segments are also cut by the
# pseudo-label map; the model, budget and seed of the point run.
_base_ = [
    '../_base_/models/spml_deeplabv3_lite0-d16.py',
    '../_base_/datasets/camvid_label_map_superpixels.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
crop_size = (176, 176)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        decoder=dict(channels=128, norm_cfg=norm_cfg),
        num_classes=11,
        **_base_.spml_losses.voc_box_tag,
        cooccurrence_ignore=(),
        split_by_labels=True,
        predict_with='classifier'))
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            dir='{{fileDirname}}/../../work_dirs/cam_cues/camvid_box')))
randomness = dict(seed=0, deterministic=False)
