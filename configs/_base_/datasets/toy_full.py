# toy_weak.py trained on the dense masks (full supervision): no weak label, the
# masks are the targets.
_base_ = ['./toy_weak.py']
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations'),
    dict(type='WeakRandomResize', scale=(64, 64), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs', target='dense'),
]
train_dataloader = dict(
    dataset=dict(weak_label=None, weak_ann=None, pipeline=train_pipeline))
