# SPML's relation losses per setting (Ke et al., 2021, Table 5): one SegSort+
# loss per relation of eq. 4, with its concentration kappa and weight lambda:
# low-level image similarity (I), semantic annotation (C), co-occurrence (O),
# feature affinity (A); None switches a relation off (lambda 0 in Table 5).
# Boxes and image tags share one row. SPMLHead configs take a whole setting:
#   model = dict(decode_head=dict(**_base_.spml_losses.voc_point))
# (the SPML model bases include this file, so every SPML config can).
spml_losses = dict(
    voc_scribble=dict(  # 12 images per batch
        loss_image=dict(type='SegSortPlusLoss', kappa=16, loss_weight=0.1),
        loss_annotation=dict(type='SegSortPlusLoss', kappa=6,
                             loss_weight=1.0),
        loss_cooccurrence=dict(type='SegSortPlusLoss', kappa=12,
                               loss_weight=0.5),
        loss_affinity=None),
    voc_point=dict(  # 12 images per batch
        loss_image=dict(type='SegSortPlusLoss', kappa=16, loss_weight=1.0),
        loss_annotation=dict(type='SegSortPlusLoss', kappa=6,
                             loss_weight=1.0),
        loss_cooccurrence=dict(type='SegSortPlusLoss', kappa=8,
                               loss_weight=1.0),
        loss_affinity=None),
    voc_box_tag=dict(  # 16 images per batch
        loss_image=dict(type='SegSortPlusLoss', kappa=16, loss_weight=0.3),
        loss_annotation=dict(type='SegSortPlusLoss', kappa=6,
                             loss_weight=1.0),
        loss_cooccurrence=dict(type='SegSortPlusLoss', kappa=8,
                               loss_weight=1.0),
        loss_affinity=None),
    densepose_point=dict(  # 16 images per batch
        loss_image=dict(type='SegSortPlusLoss', kappa=16, loss_weight=0.1),
        loss_annotation=dict(type='SegSortPlusLoss', kappa=6,
                             loss_weight=1.0),
        loss_cooccurrence=None,
        loss_affinity=dict(type='SegSortPlusLoss', kappa=12,
                           loss_weight=0.5)))
