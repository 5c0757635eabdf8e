# Partial cross-entropy from ScribbleSup XML scribbles on the toy set.
_base_ = ['./pce_r18-tiny_1xb8-400it_toy-64x64_point.py']
train_dataloader = dict(
    dataset=dict(
        weak_label='scribbles',
        weak_ann=dict(_delete_=True, type='scribble_xml',
                      dir='weak/scribbles')))
