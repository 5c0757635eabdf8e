# SPML on VOC 2012 aug from ScribbleSup scribbles (Ke et al., 2021): DeepLab
# ResNet-101 (output stride 8), 64-d embeddings, 36 k-means clusters,
# Felzenszwalb superpixels, 12 images per batch (4 GPUs x 3), 512x512 crops,
# SGD lr 0.003 poly 0.9, 30k iterations; Table 5's scribble losses (lambda_I
# 0.1 / kappa_I 16, lambda_C 1 / kappa_C 6, lambda_O 0.5 / kappa_O 12, no
# feature affinity).
#
#   bash tools/dist_train.sh configs/spml/spml_r101_voc_scribble.py 4
_base_ = [
    '../_base_/models/spml_deeplabv3_r50-d8.py',
    '../_base_/datasets/voc12aug_weak_superpixels.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_30k_spml.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101),
    decode_head=dict(**_base_.spml_losses.voc_scribble))
train_dataloader = dict(batch_size=3)
