# HFPL's ISL and FSL on the CamVid GAP CAM baseline. FSL (mu 2.5, sigma 5,
# radius 15, weight 1) runs on the 11x11 CAMs upsampled x4 to 44x44, as HFPL
# upsamples the small CAMs of SIPE (x2) and MCTformer (x4).
_base_ = ['./hfpl-isl_lite0-d16_1xb8-1k_camvid-176x176_tag.py']
model = dict(
    decode_head=dict(
        fsl_upsample=4,
        loss_fsl=dict(type='FeatureSimilarityLoss', mu=2.5, sigma=5.0,
                      radius=15, loss_weight=1.0)))
