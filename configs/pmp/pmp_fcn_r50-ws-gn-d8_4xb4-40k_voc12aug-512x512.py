# PMP on VOC 2012 + SBD aug (Akiva & Dana, Table 1: 60.7 val mIoU, 62.9 with
# DenseCRF): points at the centre of every box of Annotations/NAME.xml and 4
# background points per object outside all boxes, point blots cached in
# work_dirs/pmp_blots/voc12aug, a ResNet-50 FCN with WS + GN from scratch,
# 16 images of 512x512 per iteration (4 GPUs x 4; the paper gives no batch
# size), SGD lr 1e-5 with cosine annealing for 40k iterations. This config is
# the last row of Table 3 (EDF, point blots and PAC); the *_edf*, *_blots* and
# *_points-only leaves are the other rows.
_base_ = [
    '../_base_/models/pmp_fcn_r50-ws-gn-d8.py',
    '../_base_/datasets/voc12aug_points_pmp.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_pmp_40k.py'
]
crop_size = (512, 512)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(batch_size=4)
