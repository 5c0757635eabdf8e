# Partial cross-entropy on CamVid from the CAM pseudo-labels of image tags
# derived from the masks: tools/make_cams.py --labels-dir on the CAM network
# (arg-max of the kept CAMs, unlabelled where every CAM is below 0.15; see
# benchmarks/cam_family.py --suite camvid --downstream). The box pseudo-mask
# run with these labels: same model, crop, budget and seed.
_base_ = ['./pce_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176_box-pseudo.py']
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            dir='{{fileDirname}}/../../work_dirs/cam_cues/camvid_tag')))
