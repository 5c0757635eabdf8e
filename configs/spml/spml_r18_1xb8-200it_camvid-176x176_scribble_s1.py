# SPML's initial softmax classifier S1 on CamVid scribbles (Algorithm 1, line
# 1): trained from the weak labels on the frozen embeddings of the stage-1 run
# (the online classifier of that run learns while the embedding still moves).
#   python tools/train.py configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py
#   python tools/train.py configs/spml/spml_r18_1xb8-200it_camvid-176x176_scribble_s1.py
# The model and losses of the stage-1 config; no superpixels (the embedding
# does not train); 200 iterations.
_base_ = [
    '../_base_/models/spml_r18-w32.py', '../_base_/datasets/camvid_weak.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_200it.py'
]
crop_size = (176, 176)
load_from = 'work_dirs/spml_r18_1xb8-1k_camvid-176x176_scribble/iter_1000.pth'
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_eval=True),
    decode_head=dict(
        num_classes=11,
        **_base_.spml_losses.voc_scribble,
        cooccurrence_ignore=(),
        train_embedding=False,
        memory_batches=0))
custom_hooks = []
train_dataloader = dict(dataset=dict(weak_label='scribbles'))
randomness = dict(seed=0, deterministic=False)
