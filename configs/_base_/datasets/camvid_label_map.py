# camvid_weak.py trained from one label PNG per training image (255 =
# unlabelled) in `weak_ann.dir`, e.g. the pseudo-labels written by
# tools/spml_pseudo_labels.py or tools/weak_to_pseudo_masks.py; leaves point
# `dir` at their own folder (a relative one is read under data_root). With
# weak_label='scribbles' every labelled pixel of the PNG is a target
# ('points' would take one click per labelled pixel). Training reads no dense
# mask.
_base_ = ['./camvid_weak.py']
crop_size = (176, 176)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='WeakRandomResize', scale=(240, 180), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(
            _delete_=True,
            type='label_map',
            dir='{{fileDirname}}/../../../work_dirs/camvid_pseudo_labels'),
        pipeline=train_pipeline))
