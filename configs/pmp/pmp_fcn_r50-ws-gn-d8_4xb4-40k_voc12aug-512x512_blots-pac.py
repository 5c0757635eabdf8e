# PMP ablation (Table 3): point blots, PAC.
# Without EDF the pseudo-mask is the thresholded refined (or raw)
# softmax, and there are no expansion scores to update.
# Paper, VOC val mIoU: 24.7.
_base_ = ['./pmp_fcn_r50-ws-gn-d8_4xb4-40k_voc12aug-512x512.py']
model = dict(
    decode_head=dict(distance_fields=False,
                     use_blots=True))
custom_hooks = []
