# HFPL's ISL and FSL with VWE's HSPP in place of GAP: the combination of the
# CAM family's parts that helped on the toy set (benchmarks/cam_family.py).
_base_ = ['./hfpl-isl-fsl_lite0-d16_1xb8-1k_camvid-176x176_tag.py']
model = dict(
    decode_head=dict(
        pool=dict(type='HybridSpatialPyramidPooling', levels=(1, 2, 4),
                  gamma=2.0)))
