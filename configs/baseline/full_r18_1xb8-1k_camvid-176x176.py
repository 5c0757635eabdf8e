# Full supervision on CamVid with the same model and budget as the weak runs.
_base_ = ['./pce_r18_1xb8-1k_camvid-176x176_point.py']
train_dataloader = dict(
    dataset=dict(weak_label=None, weak_ann=None, pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations'),
        dict(type='WeakRandomResize', scale=(240, 180),
             ratio_range=(0.75, 1.5)),
        dict(type='WeakRandomCrop', crop_size=(176, 176)),
        dict(type='WeakRandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='PackWeakSegInputs', target='dense'),
    ]))
