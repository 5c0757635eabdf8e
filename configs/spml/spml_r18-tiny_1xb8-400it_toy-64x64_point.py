# SPML from "What's the point" clicks on the toy set (Table 5's VOC point
# weights: lambda_I 1 / kappa_I 16, lambda_C 1 / kappa_C 6, lambda_O 1 /
# kappa_O 8), Felzenszwalb superpixels computed on the fly.
_base_ = ['./spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py']
model = dict(
    decode_head=dict(
        loss_image=dict(kappa=16, loss_weight=1.0),
        loss_cooccurrence=dict(kappa=8, loss_weight=1.0)))
train_dataloader = dict(
    dataset=dict(
        weak_label='points',
        weak_ann=dict(
            _delete_=True,
            type='whats_the_point',
            files=['weak/points.json', 'weak/points_bg.json'])))
