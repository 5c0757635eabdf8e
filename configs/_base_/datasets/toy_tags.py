# toy_weak.py trained from image tags (weak/tags.txt, one line per image:
# name and class names), for CAM classifiers. The tags vary from image to
# image.
_base_ = ['./toy_weak.py']
train_dataloader = dict(
    dataset=dict(
        weak_label='tags',
        weak_ann=dict(_delete_=True, type='tag_list', file='weak/tags.txt')))
