# VWE's full classification network on the toy set: visual words and HSPP.
_base_ = ['./vwe_r18-tiny_1xb8-400it_toy-64x64_tag.py']
model = dict(
    decode_head=dict(
        pool=dict(type='HybridSpatialPyramidPooling', levels=(1, 2, 4),
                  gamma=2.0)))
