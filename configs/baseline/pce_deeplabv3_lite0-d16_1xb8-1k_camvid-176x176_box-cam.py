# pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_tag-cam.py from the CAM
# pseudo-labels of boxes derived from the masks (box-restricted CAMs,
# tools/make_cams.py --boxes --labels-dir).
_base_ = ['./pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_tag-cam.py']
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            dir='{{fileDirname}}/../../work_dirs/cam_cues/camvid_box')))
