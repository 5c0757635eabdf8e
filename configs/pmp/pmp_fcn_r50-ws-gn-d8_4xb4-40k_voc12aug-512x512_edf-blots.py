# PMP ablation (Table 3): EDF, point blots.
# Paper, VOC val mIoU: 48.9.
_base_ = ['./pmp_fcn_r50-ws-gn-d8_4xb4-40k_voc12aug-512x512.py']
model = dict(
    decode_head=dict(distance_fields=True,
                     use_blots=True,
                     refiner=None))
