# camvid_label_map.py reading the dense pseudo-masks of the boxes derived from
# the masks (one box per segment of at least 20 pixels), made once by
#   python tools/weak_to_pseudo_masks.py \
#       configs/baseline/pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_point.py \
#       work_dirs/camvid_box_pseudo_masks --method rw+crf \
#       --box-background none \
#       --cfg-options train_dataloader.dataset.weak_label=boxes
# (the random walk from the central fifth of every box, then DenseCRF: 64.33
# mIoU on CamVid training images 20-119 in
# benchmarks/results/pseudo_masks.json). CamVid has no background class:
# pixels outside every box stay unlabelled.
_base_ = ['./camvid_label_map.py']
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            dir='{{fileDirname}}/../../../work_dirs/camvid_box_pseudo_masks')))
