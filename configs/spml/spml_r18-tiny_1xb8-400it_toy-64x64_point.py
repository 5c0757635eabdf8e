# SPML from "What's the point" clicks on the toy set (Table 5's VOC point
# losses: lambda_I 1 / kappa_I 16, lambda_C 1 / kappa_C 6, lambda_O 1 /
# kappa_O 8), Felzenszwalb superpixels computed on the fly.
_base_ = [
    '../_base_/models/spml_r18-tiny.py',
    '../_base_/datasets/toy_weak_superpixels.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_400it.py'
]
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(**_base_.spml_losses.voc_point))
randomness = dict(seed=0, deterministic=False)
