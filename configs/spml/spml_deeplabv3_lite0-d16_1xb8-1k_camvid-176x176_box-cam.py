# spml_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_tag-cam.py from the CAM
# pseudo-labels of boxes (box-restricted CAMs), as
# configs/baseline/pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_box-cam.py
# reads them.
_base_ = ['./spml_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_tag-cam.py']
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            dir='{{fileDirname}}/../../work_dirs/cam_cues/camvid_box')))
