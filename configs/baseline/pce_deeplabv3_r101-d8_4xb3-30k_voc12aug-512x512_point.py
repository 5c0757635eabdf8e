# Partial cross-entropy baseline on VOC "What's the point" clicks (object and
# background clicks), SPML recipe (12 images per batch).
_base_ = [
    './pce_deeplabv3_r101-d8_4xb3-30k_voc12aug-512x512_scribble.py',
    '../_base_/datasets/voc12aug_points.py'
]
train_dataloader = dict(batch_size=3)
