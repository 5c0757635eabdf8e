# SPML on VOC 2012 aug from boxes: the semantic annotation is the box-wise CAM
# pseudo-label of Appendix A.2 (CAM min-max normalised inside each box,
# threshold 0.5, background outside every box), written by
#   python tools/cams_to_pseudo_labels.py CAM_DIR data/VOCdevkit/VOC2012/SPMLPseudo/box \
#       --boxes data/VOCdevkit/VOC2012/Annotations
# Segments are also cut by the pseudo-label map. 16 images per batch (4 GPUs x
# 4); Table 5's box / tag losses (lambda_I 0.3 / kappa_I 16, lambda_C 1 /
# kappa_C 6, lambda_O 1 / kappa_O 8).
_base_ = ['./spml_r101_voc_scribble.py']
model = dict(
    decode_head=dict(**_base_.spml_losses.voc_box_tag, split_by_labels=True))
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        weak_label='boxes',
        weak_ann=dict(_delete_=True, type='label_map',
                      dir='SPMLPseudo/box')))
