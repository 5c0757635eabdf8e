# Partial cross-entropy on the toy set from dense pseudo-masks of the VOC XML
# boxes (weak_to_pseudo_mask's 'auto' method, made once when the dataset is
# built and kept under work_dirs/, never in the dataset).
_base_ = ['./pce_r18-tiny_1xb8-400it_toy-64x64_box.py']
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            _delete_=True,
            type='pseudo_masks',
            source=dict(type='voc_xml', dir='weak/Annotations'),
            method='auto',
            cache_dir='work_dirs/pseudo_masks/toy_box_auto')))
