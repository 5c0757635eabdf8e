# pdml_deeplabv3_r101-d8_2xb8-40k_pascal-context-59-321x321.py with online
# extension (threshold 0.7, 5x5 squares) in the second half of training: PDML
# extends "on the basis of" PDML weights (Table 5).
_base_ = ['./pdml_deeplabv3_r101-d8_2xb8-40k_pascal-context-59-321x321.py']
model = dict(
    decode_head=dict(
        extension=dict(threshold=0.7, window=5, start_iter=20000)))
