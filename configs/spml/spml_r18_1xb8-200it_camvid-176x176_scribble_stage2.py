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
# Frozen embedding, model and schedule as the S1 config; the training labels
# are the pseudo-label PNGs.
_base_ = [
    '../_base_/models/spml_r18-w32.py',
    '../_base_/datasets/camvid_label_map.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_200it.py'
]
crop_size = (176, 176)
load_from = 'work_dirs/spml_r18_1xb8-1k_camvid-176x176_scribble/iter_1000.pth'
model = dict(
    type='CRFEncoderDecoder',
    crf=dict(),  # dense_crf defaults
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_eval=True),
    decode_head=dict(
        num_classes=11,
        **_base_.spml_losses.voc_scribble,
        cooccurrence_ignore=(),
        train_embedding=False,
        memory_batches=0))
custom_hooks = []
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(
            dir='{{fileDirname}}/../../work_dirs/camvid_pseudo/spml_scribble')))
randomness = dict(seed=0, deterministic=False)
