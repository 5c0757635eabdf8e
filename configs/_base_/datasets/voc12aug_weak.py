# PASCAL VOC 2012 + SBD aug in mmseg's layout (mmseg's voc_aug converter):
#   JPEGImages/, SegmentationClass/ (val masks), SegmentationClassAug/,
#   ImageSets/Segmentation/{train_aug.txt (10,582 = train.txt + aug.txt), val.txt (1,449)}
# Weak labels sit next to them:
#   pascal_2012_scribble/NAME.xml   ScribbleSup scribbles
#   whats_the_point/*.json          "What's the point" clicks (objects, background)
#   Annotations/NAME.xml            VOC boxes (and tags)
# Weak training reads no dense mask. This base trains from scribbles; the
# point, box and tag leaves switch `weak_label` / `weak_ann`
# (LoadWeakAnnotations reads the kind the dataset names). Variant:
# voc12aug_weak_superpixels.py (SPML).
dataset_type = 'PascalVOCWeakDataset'
data_root = 'data/VOCdevkit/VOC2012'
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='WeakRandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0)),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadWeakAnnotations'),
    dict(type='PackWeakSegInputs', target='dense'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='JPEGImages'),
        ann_file='ImageSets/Segmentation/train_aug.txt',
        weak_label='scribbles',
        weak_ann=dict(type='scribble_xml', dir='pascal_2012_scribble'),
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
                         seg_map_path='SegmentationClass'),
        ann_file='ImageSets/Segmentation/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# mIoU (J), the boundary F-score F and J&F
val_evaluator = dict(type='ContourMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
