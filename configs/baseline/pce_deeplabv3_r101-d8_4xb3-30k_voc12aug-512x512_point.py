# Partial cross-entropy baseline on VOC "What's the point" clicks (object and
# background clicks), SPML recipe (12 images per batch).
_base_ = ['./pce_deeplabv3_r101-d8_4xb3-30k_voc12aug-512x512_scribble.py']
train_dataloader = dict(
    batch_size=3,
    dataset=dict(
        weak_label='points',
        weak_ann=dict(
            _delete_=True,
            type='whats_the_point',
            files=[
                'whats_the_point/voc_whats_the_point.json',
                'whats_the_point/voc_whats_the_point_bg_from_scribbles.json'
            ])))
