# VWE's CAM schedule (Sec. 4.1): schedule_cam_5e.py for 6 epochs (lr 0.01 for
# the backbone, 0.1 for the codebook and the classifiers, poly decay every
# iteration).
_base_ = ['./schedule_cam_5e.py']
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=6, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=6, val_interval=6)
default_hooks = dict(checkpoint=dict(interval=6))
