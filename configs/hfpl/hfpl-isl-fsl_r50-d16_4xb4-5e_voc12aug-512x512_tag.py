# HFPL on IRN's CAM network (VOC 2012 aug, tags): binomial ISL with lambda 0.2
# and N = 10 (L_cls = 0.8 L_gap + 0.2 L_is), FSL with mu 2.5, sigma 5, weight
# 1 on the 32x32 CAMs (window radius 15 = 3 sigma). HFPL's baselines (SEAM,
# SIPE, ...) keep their own networks; this is the same loss pair on IRN's.
_base_ = ['../cam/cam_r50-d16_4xb4-5e_voc12aug-512x512_tag.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(loss_weight=0.8),
        loss_isl=dict(type='BinomialISLoss', num_samples=10,
                      loss_weight=0.2),
        loss_fsl=dict(type='FeatureSimilarityLoss', mu=2.5, sigma=5.0,
                      radius=15, loss_weight=1.0)))
