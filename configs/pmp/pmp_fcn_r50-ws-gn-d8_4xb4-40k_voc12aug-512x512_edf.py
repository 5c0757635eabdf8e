# PMP ablation (Table 3): EDF.
# Without blots the plain points overwrite the pseudo-mask (the blots
# are still loaded: the pipeline is the full row's).
# Paper, VOC val mIoU: 38.3.
_base_ = ['./pmp_fcn_r50-ws-gn-d8_4xb4-40k_voc12aug-512x512.py']
model = dict(
    decode_head=dict(distance_fields=True,
                     use_blots=False,
                     refiner=None))
