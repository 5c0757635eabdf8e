# SPML on CamVid from points derived from the masks, with the backbone, crop,
# budget and seed of
# configs/baseline/pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_point.py
# (EfficientNet-Lite0 with ImageNet weights at output stride 16, ASPP of 128
# channels -> 64-d unit embeddings, 1k iterations of 8 crops). Table 5's VOC
# point losses; Felzenszwalb superpixels on the fly; no class is left out of
# co-occurrence (CamVid has no background class). Predictions: the S1 softmax
# classifier on the embeddings, fixed before any CamVid result was seen.
_base_ = [
    '../_base_/models/spml_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_weak_superpixels.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
model = dict(decode_head=dict(**_base_.spml_losses.voc_point))
randomness = dict(seed=0, deterministic=False)
