# Partial cross-entropy on CamVid from scribbles derived from the masks (the
# whole medial axis of every segment of at least 20 pixels, 3 px wide), same
# model, budget and seed as the point run.
_base_ = ['./pce_r18_1xb8-1k_camvid-176x176_point.py']
train_dataloader = dict(dataset=dict(weak_label='scribbles'))
