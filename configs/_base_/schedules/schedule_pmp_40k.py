# PMP's optimiser (Akiva & Dana, Sec. 4.1): SGD with an initial learning rate
# of 1e-5 and cosine annealing. The paper gives neither momentum, weight decay
# nor the length of training: momentum 0.9 and weight decay 5e-4 are mmseg's
# defaults, 40k iterations mmseg's VOC schedule. A learning rate of 1e-5 is
# unusually low for SGD from scratch; it is kept to reproduce the paper.
optimizer = dict(type='SGD', lr=1e-5, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=40000, eta_min=0.0, begin=0,
         end=40000, by_epoch=False)
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
