# SPML on CamVid from points derived from the masks, with the model, budget and
# seed of configs/baseline/pce_r18_1xb8-1k_camvid-176x176_point.py (ResNetV1c-18
# with 32 base channels, ASPP -> 64-d embeddings, from scratch, 1k iterations of
# 8 crops). Table 5's VOC point losses: lambda_I 1 / kappa_I 16, lambda_C 1 /
# kappa_C 6, lambda_O 1 / kappa_O 8; Felzenszwalb superpixels on the fly. No
# class is left out of co-occurrence (CamVid has no background class).
_base_ = [
    '../_base_/models/spml_r18-w32.py',
    '../_base_/datasets/camvid_weak_superpixels.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
crop_size = (176, 176)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=11,
        **_base_.spml_losses.voc_point,
        cooccurrence_ignore=()))
randomness = dict(seed=0, deterministic=False)
