# SPML on the toy set from the CAM cues of image tags (SPML A.2: each CAM
# divided by its maximum, background confidence (1 - max)^6, unlabelled below
# 0.2), as pce_r18-tiny_1xb8-400it_toy-64x64_tag-cam.py reads them. Table 5's
# box / tag losses; segments are also cut by the cue map.
_base_ = ['./spml_r18-tiny_1xb8-400it_toy-64x64_point.py']
model = dict(
    decode_head=dict(**_base_.spml_losses.voc_box_tag, split_by_labels=True))
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(
            _delete_=True,
            type='label_map',
            dir='{{fileDirname}}/../../work_dirs/cam_cues/toy_tag')))
