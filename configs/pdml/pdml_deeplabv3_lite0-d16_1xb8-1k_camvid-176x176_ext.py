# pdml_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176.py with online extension
# (Eqs. 6-7: softmax above 0.7, a class of the image's points, within the
# 5x5 square of a point) from iteration 500 on: PDML extends "on the basis of"
# PDML weights, read here as the second half of the same budget.
_base_ = ['./pdml_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176.py']
model = dict(
    decode_head=dict(
        extension=dict(threshold=0.7, window=5, start_iter=500)))
