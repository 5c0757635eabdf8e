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
_base_ = ['./voc12aug_weak.py']
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
train_dataloader = dict(
    dataset=dict(
        weak_label='boxes',
        weak_ann=dict(_delete_=True, type='voc_xml', dir='Annotations'),
        pipeline=train_pipeline))
