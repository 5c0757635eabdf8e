# SPML's initial softmax classifier S1 on CamVid scribbles (Algorithm 1, line
# 1): trained from the weak labels on the frozen embeddings of the stage-1 run
# (the online classifier of that run learns while the embedding still moves).
#   python tools/train.py configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py
#   python tools/train.py configs/spml/spml_r18_1xb8-200it_camvid-176x176_scribble_s1.py
_base_ = ['./spml_r18_1xb8-1k_camvid-176x176_scribble.py']
load_from = 'work_dirs/spml_r18_1xb8-1k_camvid-176x176_scribble/iter_1000.pth'
model = dict(
    backbone=dict(norm_eval=True),
    decode_head=dict(train_embedding=False, memory_batches=0))
custom_hooks = []
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_dense_gt=False),
    dict(type='WeakRandomResize', scale=(240, 180), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=(176, 176)),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=200,
         by_epoch=False)
]
train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(interval=200))
