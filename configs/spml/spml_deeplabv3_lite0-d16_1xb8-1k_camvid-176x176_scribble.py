# SPML on CamVid from scribbles derived from the masks (the medial axis of
# every segment of at least 20 pixels, 3 px wide), same model, budget and seed
# as the point run. Table 5's VOC scribble losses.
_base_ = ['./spml_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_point.py']
model = dict(decode_head=dict(**_base_.spml_losses.voc_scribble))
train_dataloader = dict(dataset=dict(weak_label='scribbles'))
