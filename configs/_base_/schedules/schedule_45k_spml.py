# The SPML training recipe on DensePose (Ke et al., 2021, Appendix A.5): SGD,
# lr 0.003, momentum 0.9, poly decay with power 0.9, 45k iterations.
optimizer = dict(type='SGD', lr=0.003, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=45000,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=45000, val_interval=4500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4500),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
