# Partial cross-entropy baseline on VOC boxes: outside every box is background,
# inside is unlabelled. SPML recipe for boxes (16 images per batch).
_base_ = [
    './pce_deeplabv3_r101-d8_4xb3-30k_voc12aug-512x512_scribble.py',
    '../_base_/datasets/voc12aug_boxes.py'
]
train_dataloader = dict(batch_size=4)
