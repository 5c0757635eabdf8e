# PMP on CamVid from scratch (ResNet-50 FCN with WS + GN, no ImageNet weights),
# every Table 3 component on (the *_edf*, *_blots* and *_points-only leaves
# are the other rows). Points as PMP derives them: a click at the centre of
# every thing segment and 4 random background clicks per stuff class present
# (camvid_points_pmp.py), blots cached in work_dirs/pmp_blots/camvid. The
# budget of the CamVid benchmark rows: 8 crops of 176x176, 1k iterations, SGD
# lr 0.02 with poly decay (PMP's lr of 1e-5 learns nothing from scratch in 1k
# iterations). 367 training images: an epoch of ExpansionScoreHook is 46
# iterations, so the scores get about 21 updates.
_base_ = [
    '../_base_/models/pmp_fcn_r50-ws-gn-d8_camvid-176x176.py',
    '../_base_/datasets/camvid_points_pmp.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_1k.py'
]
randomness = dict(seed=0, deterministic=False)
