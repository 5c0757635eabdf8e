# SPML from ScribbleSup XML scribbles on the toy set (Table 5's VOC scribble
# losses: lambda_I 0.1 / kappa_I 16, lambda_C 1 / kappa_C 6, lambda_O 0.5 /
# kappa_O 12), Felzenszwalb superpixels computed on the fly.
_base_ = [
    '../_base_/models/spml_r18-tiny.py',
    '../_base_/datasets/toy_weak_superpixels.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_400it.py'
]
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(**_base_.spml_losses.voc_scribble))
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(_delete_=True, type='scribble_xml',
                      dir='weak/scribbles')))
randomness = dict(seed=0, deterministic=False)
