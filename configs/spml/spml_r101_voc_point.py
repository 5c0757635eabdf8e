# SPML on VOC 2012 aug from "What's the point" clicks (object and background
# clicks); 12 images per batch; Table 5's point losses (lambda_I 1 / kappa_I
# 16, lambda_C 1 / kappa_C 6, lambda_O 1 / kappa_O 8).
_base_ = ['./spml_r101_voc_scribble.py']
model = dict(decode_head=dict(**_base_.spml_losses.voc_point))
train_dataloader = dict(
    batch_size=3,
    dataset=dict(
        weak_label='points',
        weak_ann=dict(
            _delete_=True,
            type='whats_the_point',
            files=[
                'whats_the_point/voc_whats_the_point.json',
                'whats_the_point/voc_whats_the_point_bg_from_scribbles.json'
            ])))
