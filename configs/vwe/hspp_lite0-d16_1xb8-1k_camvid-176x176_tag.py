# VWE's HSPP (levels 1, 2, 4; gamma 2) in place of GAP on the CamVid CAM
# baseline.
_base_ = ['../cam/cam_lite0-d16_1xb8-1k_camvid-176x176_tag.py']
model = dict(
    decode_head=dict(
        pool=dict(type='HybridSpatialPyramidPooling', levels=(1, 2, 4),
                  gamma=2.0)))
