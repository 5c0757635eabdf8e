# Partial cross-entropy baseline on VOC scribbles (ScribbleSup), DeepLab
# ResNet-101 with the SPML recipe: 12 images per batch (4 GPUs x 3), 512x512
# crops, SGD lr 0.003, poly 0.9, 30k iterations.
_base_ = [
    '../_base_/models/pce_deeplabv3_r50-d8.py',
    '../_base_/datasets/voc12aug_weak.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_30k_spml.py'
]
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101),
    decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21))
train_dataloader = dict(batch_size=3)
