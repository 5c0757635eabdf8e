# SPML on DensePose-COCO from keypoints (one point per body part, Gaussian
# labels of Appendix A.3): PSPNet ResNet-101, 32-d embeddings, 144 k-means
# clusters, Felzenszwalb superpixels, 16 images per batch (4 GPUs x 4),
# 512x512 crops, SGD lr 0.003 poly 0.9, 45k iterations; Table 5's DensePose
# losses (lambda_I 0.1 / kappa_I 16, lambda_C 1 / kappa_C 6, no co-occurrence,
# lambda_A 0.5 / kappa_A 12).
_base_ = [
    '../_base_/models/spml_pspnet_r50-d8.py',
    '../_base_/datasets/densepose_weak_superpixels.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_45k_spml.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101),
    decode_head=dict(**_base_.spml_losses.densepose_point))
train_dataloader = dict(batch_size=4)
