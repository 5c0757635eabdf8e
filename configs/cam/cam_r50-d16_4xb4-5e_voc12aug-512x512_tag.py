# IRN's CAM network on VOC 2012 aug from image tags: ResNet-50 at output
# stride 16, GAP, multi-label soft-margin loss, 16 images per batch (4 GPUs x
# 4), 512x512 crops, 5 epochs (lr 0.1 / 0.01 backbone, poly). CAMs and their
# pseudo-label scores on the training images:
#   python tools/make_cams.py CONFIG CKPT work_dirs/cams/voc_cam
_base_ = [
    '../_base_/models/cam_r50-d16.py', '../_base_/datasets/voc12aug_tags.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_cam_5e.py'
]
crop_size = (512, 512)
model = dict(data_preprocessor=dict(size=crop_size))
