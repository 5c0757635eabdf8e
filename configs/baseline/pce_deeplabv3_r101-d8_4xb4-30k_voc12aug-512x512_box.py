# Partial cross-entropy baseline on VOC boxes: outside every box is background,
# inside is unlabelled. SPML recipe for boxes (16 images per batch).
_base_ = ['./pce_deeplabv3_r101-d8_4xb3-30k_voc12aug-512x512_scribble.py']
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        weak_label='boxes',
        weak_ann=dict(_delete_=True, type='voc_xml', dir='Annotations')))
