# pmp_fcn_r50-ws-gn-d8.py for CamVid: 11 classes and no background class
# (bg_label=None: every class has an object field, none is damped; the stuff
# classes get PMP's random background clicks, see camvid_points_pmp.py),
# 176x176 crops.
_base_ = ['./pmp_fcn_r50-ws-gn-d8.py']
model = dict(
    data_preprocessor=dict(size=(176, 176)),
    decode_head=dict(num_classes=11, bg_label=None))
