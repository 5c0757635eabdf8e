# VWE's visual words encoder (256 words) on the CamVid GAP CAM baseline.
_base_ = ['../cam/cam_lite0-d16_1xb8-1k_camvid-176x176_tag.py']
model = dict(
    decode_head=dict(
        visual_words=dict(type='VisualWordsEncoder', num_words=256)))
