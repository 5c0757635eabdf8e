# Partial cross-entropy on the toy set from the CAM cues of image tags (SPML
# A.2: each CAM divided by its maximum, background confidence (1 - max)^6,
# unlabelled below 0.2), written by tools/cams_to_pseudo_labels.py from the
# CAMs of configs/hfpl/hfpl-isl-fsl_r18-tiny_1xb8-400it_toy-64x64_tag.py (see
# benchmarks/cam_family.py --downstream); same model, budget and seed as the
# point run.
_base_ = ['./pce_r18-tiny_1xb8-400it_toy-64x64_point.py']
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(
            _delete_=True,
            type='label_map',
            dir='{{fileDirname}}/../../work_dirs/cam_cues/toy_tag')))
