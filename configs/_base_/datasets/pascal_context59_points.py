# PASCAL-Context (59 classes) in mmseg's layout (mmseg's pascal_context.py
# converter), as PDML (Qian et al.) trains on it:
#   JPEGImages/, SegmentationClassContext/ (0 = the other classes),
#   ImageSets/SegmentationContext/{train.txt (4,998), val.txt (5,105)}
# PascalContextWeakDataset reduces the masks (reduce_zero_label): classes
# 1..59 become 0..58 and 0 becomes 255 (ignored), for the validation masks
# and for the training points alike.
# Training points are derived from the masks on the fly
# (GenerateWeakLabelsFromMask, deterministic per image), "one per instance":
# one click at the innermost pixel of every connected segment (8-connected)
# of every class, stuff included (no background classes, no random clicks),
# segments under min_area=100 pixels get none. PDML reports 12.26 points per
# image; Context has no instance masks, so an instance is a segment, and
# min_area drops the slivers a polygon annotation leaves (sky between
# branches, wall between objects) that no annotator would click. 100 px is
# about 0.05% of a 500x375 image, the share of CamVid's min_area of 20 at
# 240x180; it is not calibrated on the data (not available here): the mean
# len(gt_points) of the training set should come near 12.26, raise min_area
# when it is above.
# Augmentation: mmseg's pascal_context_59 sizes (base scale 520x520, ratio
# 0.5-2.0, horizontal flip, colour distortion) with PDML's 321x321 crops
# (the paper's setting; mmseg's own 480x480 is for dense training), 8 crops
# per GPU (the paper: 16 on 2 GPUs). No cat_max_ratio: a point sample has no
# label map to measure it on. Validation on the dense masks, resized as
# mmseg does (the predictions are resized back to the mask).
dataset_type = 'PascalContextWeakDataset'
data_root = 'data/VOCdevkit/VOC2010'
img_scale = (520, 520)
crop_size = (321, 321)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='GenerateWeakLabelsFromMask', min_area=100),
    dict(type='WeakRandomResize', scale=img_scale, ratio_range=(0.5, 2.0)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadWeakAnnotations'),
    dict(type='PackWeakSegInputs', target='dense'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='JPEGImages',
                         seg_map_path='SegmentationClassContext'),
        ann_file='ImageSets/SegmentationContext/train.txt',
        weak_label='points',
        weak_ann=dict(type='from_mask'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='JPEGImages',
                         seg_map_path='SegmentationClassContext'),
        ann_file='ImageSets/SegmentationContext/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# mIoU (J), the boundary F-score F and J&F
val_evaluator = dict(type='ContourMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
