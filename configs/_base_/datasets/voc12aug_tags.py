# voc12aug_weak.py trained from image tags (the object classes of
# Annotations/NAME.xml), with IRN's CAM augmentation: random rescale 0.5-1.5,
# flip, colour jitter, 512x512 crops; DefaultSampler for the epoch-based CAM
# schedules. Images without a foreground tag are skipped.
_base_ = ['./voc12aug_weak.py']
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='WeakRandomResize', scale=(500, 500), ratio_range=(0.5, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(
        weak_label='tags',
        weak_ann=dict(_delete_=True, type='voc_xml', dir='Annotations'),
        pipeline=train_pipeline))
