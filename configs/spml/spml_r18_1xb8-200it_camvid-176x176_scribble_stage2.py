# SPML stage 2 on CamVid scribbles: the final softmax classifier (S2) trained
# on the frozen stage-1 embeddings from random-walk + DenseCRF pseudo-labels of
# the training images, and DenseCRF on the final predictions. The pseudo-labels
# are written under work_dirs/, never into the dataset:
#   python tools/train.py configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py
#   python tools/spml_pseudo_labels.py \
#       configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py \
#       work_dirs/spml_r18_1xb8-1k_camvid-176x176_scribble/iter_1000.pth \
#       work_dirs/camvid_pseudo/spml_scribble --crf
#   python tools/train.py configs/spml/spml_r18_1xb8-200it_camvid-176x176_scribble_stage2.py
_base_ = ['./spml_r18_1xb8-1k_camvid-176x176_scribble.py']
crop_size = (176, 176)
load_from = 'work_dirs/spml_r18_1xb8-1k_camvid-176x176_scribble/iter_1000.pth'
model = dict(
    type='CRFEncoderDecoder',
    crf=dict(),  # dense_crf defaults
    backbone=dict(norm_eval=True),
    decode_head=dict(train_embedding=False, memory_batches=0))
custom_hooks = []
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_dense_gt=False),
    dict(type='WeakRandomResize', scale=(240, 180), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(
            _delete_=True,
            type='label_map',
            dir='{{fileDirname}}/../../work_dirs/camvid_pseudo/spml_scribble'),
        pipeline=train_pipeline))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=200,
         by_epoch=False)
]
train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(interval=200))
