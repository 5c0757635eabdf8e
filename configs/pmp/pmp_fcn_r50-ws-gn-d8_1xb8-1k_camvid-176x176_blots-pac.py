# PMP ablation (Table 3): point blots, PAC.
# Without EDF the pseudo-mask is the thresholded refined (or raw)
# softmax, and there are no expansion scores to update.
_base_ = ['./pmp_fcn_r50-ws-gn-d8_1xb8-1k_camvid-176x176.py']
model = dict(
    decode_head=dict(distance_fields=False,
                     use_blots=True))
custom_hooks = []
