# toy_weak.py for PMP: the "What's the point" clicks of the embedded toy set
# (object centres and background clicks), PMP's point blots grown from them
# on the original image by GeneratePointBlots right after loading and before
# the geometric transforms (which move clicks and blots with the image),
# computed on the fly without a cache (toy images are tiny), and PMP's
# vertical flip after the horizontal one. For tests and the demo.
_base_ = ['./toy_weak.py']
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='GeneratePointBlots'),
    dict(type='WeakRandomResize', scale=(64, 64), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='WeakRandomVerticalFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
