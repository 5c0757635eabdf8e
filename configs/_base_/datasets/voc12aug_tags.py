_base_ = './voc12aug_weak.py'
train_dataloader = dict(
    dataset=dict(
        weak_label='tags',
        weak_ann=dict(_delete_=True, type='voc_xml', dir='Annotations')))
