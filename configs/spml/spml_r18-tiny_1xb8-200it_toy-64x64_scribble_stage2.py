# SPML stage 2 on the toy set: the final softmax classifier (S2) trained on the
# frozen stage-1 embeddings from random-walk (+ DenseCRF) pseudo-labels, and
# DenseCRF on the final predictions:
#   python tools/train.py configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py
#   python tools/spml_pseudo_labels.py \
#       configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py \
#       work_dirs/spml_r18-tiny_1xb8-400it_toy-64x64_scribble/iter_400.pth \
#       data/toy/spml_pseudo/scribble --crf
#   python tools/train.py configs/spml/spml_r18-tiny_1xb8-200it_toy-64x64_scribble_stage2.py
# The model and losses of the stage-1 config; no superpixels (the embedding
# does not train).
_base_ = [
    '../_base_/models/spml_r18-tiny.py', '../_base_/datasets/toy_weak.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_200it.py'
]
crop_size = (64, 64)
load_from = 'work_dirs/spml_r18-tiny_1xb8-400it_toy-64x64_scribble/iter_400.pth'
model = dict(
    type='CRFEncoderDecoder',
    crf=dict(),  # dense_crf defaults
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_eval=True),
    decode_head=dict(
        **_base_.spml_losses.voc_scribble,
        train_embedding=False,
        memory_batches=0))
custom_hooks = []
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(_delete_=True, type='label_map',
                      dir='spml_pseudo/scribble')))
randomness = dict(seed=0, deterministic=False)
