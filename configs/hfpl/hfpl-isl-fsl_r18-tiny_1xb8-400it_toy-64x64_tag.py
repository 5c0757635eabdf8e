# HFPL's ISL and feature-similarity loss on the toy GAP CAM baseline: FSL with
# mu 2.5, sigma 5, a 31x31 window (radius 15), weight 1.
_base_ = ['./hfpl-isl_r18-tiny_1xb8-400it_toy-64x64_tag.py']
model = dict(
    decode_head=dict(
        loss_fsl=dict(type='FeatureSimilarityLoss', mu=2.5, sigma=5.0,
                      radius=15, loss_weight=1.0)))
