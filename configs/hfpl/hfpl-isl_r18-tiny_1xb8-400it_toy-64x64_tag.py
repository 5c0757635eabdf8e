# HFPL's binomial importance-sampling loss on the toy GAP CAM baseline:
# L_cls = 0.8 L_gap + 0.2 L_is^10 (lambda 0.2, N = 10; HFPL Sec. 5.5).
_base_ = ['../cam/cam_r18-tiny_1xb8-400it_toy-64x64_tag.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(loss_weight=0.8),
        loss_isl=dict(type='BinomialISLoss', num_samples=10,
                      loss_weight=0.2)))
