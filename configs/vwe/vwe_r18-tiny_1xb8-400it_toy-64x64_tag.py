# VWE's visual words encoder (256 words; word and word-to-image losses with
# the image loss, equal weights) on the toy GAP CAM baseline; CAMs are the
# max of the two normalised branches.
_base_ = ['../cam/cam_r18-tiny_1xb8-400it_toy-64x64_tag.py']
model = dict(
    decode_head=dict(
        visual_words=dict(type='VisualWordsEncoder', num_words=256)))
