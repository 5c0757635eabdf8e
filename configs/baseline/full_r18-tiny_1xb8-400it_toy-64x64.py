# Full supervision on the toy set (upper bound for the weak baselines).
_base_ = ['./pce_r18-tiny_1xb8-400it_toy-64x64_point.py']
train_dataloader = dict(
    dataset=dict(weak_label=None, weak_ann=None, pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations'),
        dict(type='WeakRandomResize', scale=(64, 64), ratio_range=(0.75, 1.5)),
        dict(type='WeakRandomCrop', crop_size=(64, 64)),
        dict(type='WeakRandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='PackWeakSegInputs', target='dense'),
    ]))
