# schedule_1k.py for CAM classifiers: SGD (momentum 0.9, weight decay 1e-4),
# lr 0.1 for the new layers and 0.01 for the pretrained backbone (IRN's and
# VWE's ratio), poly decay to 1e-4 over 1k iterations.
_base_ = ['./schedule_1k.py']
optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)
optim_wrapper = dict(
    optimizer=optimizer,
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
