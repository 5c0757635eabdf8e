# CamVid at half resolution (240x180) in data/camvid (run from the repository
# root, or set data_root): images/{train,val}/NAME.jpg, masks/{train,val}/NAME.png
# (11 = void), {train,val}.txt, as tools/dataset_converters/camvid.py writes
# them from SegNet's CamVid release; `make` links data/camvid to
# ../shared/data/camvid when that folder exists. Training derives the weak labels from
# the dense masks on the fly (GenerateWeakLabelsFromMask, deterministic per
# image), every segment of at least 20 pixels gets one: object-centre points
# (PMP style) by default; leaves switch `weak_label` to scribbles (the medial
# axis of every segment, 3 px wide), boxes or tags.
# Variants: camvid_weak_superpixels.py (SPML), camvid_full.py (dense masks),
# camvid_label_map.py (label PNGs, e.g. pseudo-labels).
dataset_type = 'CamVidWeakDataset'
data_root = 'data/camvid'
crop_size = (176, 176)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='GenerateWeakLabelsFromMask', min_area=20, length_ratio=1.0),
    dict(type='WeakRandomResize', scale=(240, 180), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations'),
    dict(type='PackWeakSegInputs', target='dense'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/train', seg_map_path='masks/train'),
        ann_file='train.txt',
        weak_label='points',
        weak_ann=dict(type='from_mask'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/val', seg_map_path='masks/val'),
        ann_file='val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# mIoU (J), the boundary F-score F and J&F
val_evaluator = dict(type='ContourMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
