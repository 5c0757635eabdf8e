# camvid_box_pseudo.py with SPML's Felzenszwalb superpixels of each augmented
# crop (camvid_label_map_superpixels.py).
_base_ = ['./camvid_label_map_superpixels.py']
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            dir='{{fileDirname}}/../../../work_dirs/camvid_box_pseudo_masks')))
