# SPML on CamVid from boxes: the semantic annotation is the dense pseudo-mask
# of the boxes (_base_/datasets/camvid_box_pseudo.py), as SPML's VOC box
# setting uses its box pseudo-labels; segments are also cut by the pseudo-label
# map. Table 5's box / tag losses; model, budget and seed of the point run.
_base_ = [
    '../_base_/models/spml_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_box_pseudo_superpixels.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
model = dict(
    decode_head=dict(**_base_.spml_losses.voc_box_tag, split_by_labels=True))
randomness = dict(seed=0, deterministic=False)
