_base_ = './voc12aug_weak.py'
train_dataloader = dict(
    dataset=dict(
        weak_label='points',
        weak_ann=dict(
            _delete_=True,
            type='whats_the_point',
            files=[
                'whats_the_point/voc_whats_the_point.json',
                'whats_the_point/voc_whats_the_point_bg_from_scribbles.json'
            ])))
