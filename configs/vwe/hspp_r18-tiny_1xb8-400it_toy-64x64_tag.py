# VWE's hybrid spatial pyramid pooling (levels 1, 2, 4; gamma 2) in place of
# GAP on the toy CAM baseline.
_base_ = ['../cam/cam_r18-tiny_1xb8-400it_toy-64x64_tag.py']
model = dict(
    decode_head=dict(
        pool=dict(type='HybridSpatialPyramidPooling', levels=(1, 2, 4),
                  gamma=2.0)))
