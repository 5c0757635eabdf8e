# PDML's optimiser (Qian et al., Sec. "Implementation details"): SGD, momentum
# 0.9, weight decay 5e-4, base learning rate 2.5e-4 for the feature layers and
# ten times that for the classifier, decayed as lr * (1 - t / T)^0.8. The
# paper does not give T: 40k iterations is mmseg's PASCAL-Context schedule.
# With PDMLHead's default embedding='backbone' the feature layers f are the
# backbone and the classifier g is the whole decoder (DeepLab's ASPP
# classifier), so the x10 goes to every decode_head parameter.
optimizer = dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=optimizer,
    clip_grad=None,
    paramwise_cfg=dict(custom_keys=dict(decode_head=dict(lr_mult=10.))))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.8, begin=0, end=40000,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
