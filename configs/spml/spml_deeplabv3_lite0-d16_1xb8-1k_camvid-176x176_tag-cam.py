# SPML on CamVid from the CAM pseudo-labels of image tags, as
# configs/baseline/pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_tag-cam.py
# reads them: the box pseudo-mask run (Table 5's box / tag losses, segments
# also cut by the label map) with these labels.
_base_ = ['./spml_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_box-pseudo.py']
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            dir='{{fileDirname}}/../../work_dirs/cam_cues/camvid_tag')))
