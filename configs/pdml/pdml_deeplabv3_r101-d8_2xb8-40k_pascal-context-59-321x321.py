# PDML on PASCAL-Context-59 (Qian et al., Table 3: 29.7 val mIoU with PDML,
# 30.0 with online extension): one point per instance derived from the masks
# (pascal_context59_points.py), DeepLabV3 on a dilated ResNet-101 with ImageNet
# weights, 16 crops of 321x321 per iteration (2 GPUs x 8, as the paper's 2
# V100s), SGD lr 2.5e-4 (x10 for the classifier), poly power 0.8, 40k
# iterations.
_base_ = [
    '../_base_/models/pdml_deeplabv3_r101-d8.py',
    '../_base_/datasets/pascal_context59_points.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_pdml_40k.py'
]
crop_size = (321, 321)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(batch_size=8)
