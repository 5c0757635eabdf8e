# PMP's VOC points (Akiva & Dana) on VOC 2012 + SBD aug in mmseg's layout
# (see voc12aug_weak.py): JPEGImages/, SegmentationClass/ (val masks),
# Annotations/NAME.xml (boxes), ImageSets/Segmentation/{train_aug,val}.txt.
# The dataset reads the boxes of every image (weak_label='boxes', voc_xml;
# an image without objects raises when the dataset is built) and
# LoadWeakAnnotations loads them; PointsFromBoxes then turns them into PMP's
# clicks, one at the centre of every box (it may miss the object) and 4
# background clicks (label 0) per box drawn uniformly outside all boxes
# (none when the boxes cover the image), seeded per image, and makes the
# sample a point sample (weak_label 'points', boxes removed). Point blots
# (GeneratePointBlots) grow from these clicks on the original image and are
# cached in work_dirs/pmp_blots/voc12aug (empty it after changing the
# points or the blot arguments); both steps come before the geometric
# transforms, which move clicks and blots with the image. PMP's augmentation:
# random scale and 512x512 crop (the paper gives no crop size), horizontal
# and vertical flips, colour jitter (PhotoMetricDistortion). No cat_max_ratio:
# a point sample has no label map to measure it on.
dataset_type = 'PascalVOCWeakDataset'
data_root = 'data/VOCdevkit/VOC2012'
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='PointsFromBoxes', num_background_points=4, bg_label=0),
    dict(type='GeneratePointBlots', cache_dir='work_dirs/pmp_blots/voc12aug'),
    dict(type='WeakRandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='WeakRandomVerticalFlip', prob=0.5),
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
        weak_label='boxes',
        weak_ann=dict(type='voc_xml', dir='Annotations'),
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
