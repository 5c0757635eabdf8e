# Full supervision on CamVid with DeepLabV3 on the ImageNet-pretrained
# EfficientNet-Lite0 at output stride 16 (ASPP of 128 channels, BN), 8 crops
# of 176x176 per iteration, 3k iterations of SGD lr 0.01 validated every 250:
# the first learning curve of this backbone. The budget study (lr 0.02, one
# schedule per budget: weak_vs_full.py --iters N) is in benchmarks/README.md.
_base_ = [
    '../_base_/models/pce_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_full.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_3k.py'
]
randomness = dict(seed=0, deterministic=False)
