# Partial cross-entropy on CamVid from scribbles derived from the masks (the
# whole medial axis of every segment, 3 px wide), same budget as the point run.
_base_ = ['./pce_r18_1xb8-1k_camvid-176x176_point.py']
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(_delete_=True, type='from_mask', min_area=20,
                      length_ratio=1.0)))
