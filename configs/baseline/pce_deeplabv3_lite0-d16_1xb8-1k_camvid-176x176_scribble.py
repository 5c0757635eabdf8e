# Partial cross-entropy on CamVid from scribbles derived from the masks (the
# medial axis of every segment of at least 20 pixels, 3 px wide), same model,
# crop, budget and seed as the point run.
_base_ = ['./pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_point.py']
train_dataloader = dict(dataset=dict(weak_label='scribbles'))
