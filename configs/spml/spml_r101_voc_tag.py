# SPML on VOC 2012 aug from image tags: the semantic annotation is the CAM
# pseudo-label of Appendix A.2 (CAM / max, background (1 - max)^6, threshold
# 0.2), written by
#   python tools/cams_to_pseudo_labels.py CAM_DIR data/VOCdevkit/VOC2012/SPMLPseudo/tag \
#       --img-dir data/VOCdevkit/VOC2012/JPEGImages
# Segments are also cut by the pseudo-label map. 16 images per batch (4 GPUs x
# 4); Table 5's box / tag losses (lambda_I 0.3 / kappa_I 16, lambda_C 1 /
# kappa_C 6, lambda_O 1 / kappa_O 8).
_base_ = ['./spml_r101_voc_scribble.py']
model = dict(
    decode_head=dict(**_base_.spml_losses.voc_box_tag, split_by_labels=True))
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        weak_label='tags',
        weak_ann=dict(_delete_=True, type='label_map',
                      dir='SPMLPseudo/tag')))
