# Full supervision on CamVid with DeepLabV3 on the ImageNet-pretrained
# EfficientNet-Lite0 at output stride 16 (ASPP of 128 channels, BN), 8 crops
# of 176x176 per iteration, 1k iterations (SGD lr 0.02, poly): the reference
# row of the Lite0 CamVid benchmark (benchmarks/weak_vs_full.py --suite
# camvid-lite0). Longer budgets of the same schedule: `--iters N` of that
# script (benchmarks/README.md, the budget study).
_base_ = [
    '../_base_/models/pce_deeplabv3_lite0-d16_camvid-176x176.py',
    '../_base_/datasets/camvid_full.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_1k.py'
]
randomness = dict(seed=0, deterministic=False)
