# HFPL's binomial ISL on the CamVid GAP CAM baseline: 0.8 L_gap + 0.2 L_is^10.
_base_ = ['../cam/cam_lite0-d16_1xb8-1k_camvid-176x176_tag.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(loss_weight=0.8),
        loss_isl=dict(type='BinomialISLoss', num_samples=10,
                      loss_weight=0.2)))
