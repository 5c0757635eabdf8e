# Partial cross-entropy from VOC XML boxes on the toy set (outside boxes =
# background).
_base_ = ['./pce_r18-tiny_1xb8-400it_toy-64x64_point.py']
train_dataloader = dict(
    dataset=dict(
        weak_label='boxes',
        weak_ann=dict(_delete_=True, type='voc_xml', dir='weak/Annotations')))
