# PMP ablation (Table 3): EDF, point blots.
_base_ = ['./pmp_fcn_r50-ws-gn-d8_1xb8-1k_camvid-176x176.py']
model = dict(
    decode_head=dict(distance_fields=True,
                     use_blots=True,
                     refiner=None))
