# SPML on the toy set from the CAM cues of boxes (SPML A.2: inside each box the
# CAM of its class min-max normalised, >= 0.5 takes the class, the rest of the
# box unlabelled, outside every box background), as
# pce_r18-tiny_1xb8-400it_toy-64x64_box-cam.py reads them. Table 5's box / tag
# losses; segments are also cut by the cue map.
_base_ = ['./spml_r18-tiny_1xb8-400it_toy-64x64_point.py']
model = dict(
    decode_head=dict(**_base_.spml_losses.voc_box_tag, split_by_labels=True))
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(
            _delete_=True,
            type='label_map',
            dir='{{fileDirname}}/../../work_dirs/cam_cues/toy_box')))
