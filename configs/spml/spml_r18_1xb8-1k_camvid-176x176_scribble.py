# SPML on CamVid from scribbles derived from the masks (the medial axis of every
# segment of at least 20 pixels, 3 px wide), same model, budget and seed as the
# point run and as configs/baseline/pce_r18_1xb8-1k_camvid-176x176_scribble.py.
# Table 5's VOC scribble losses: lambda_I 0.1 / kappa_I 16, lambda_C 1 /
# kappa_C 6, lambda_O 0.5 / kappa_O 12.
_base_ = ['./spml_r18_1xb8-1k_camvid-176x176_point.py']
model = dict(decode_head=dict(**_base_.spml_losses.voc_scribble))
train_dataloader = dict(dataset=dict(weak_label='scribbles'))
