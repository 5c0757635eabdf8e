# VWE (Ru et al., IJCAI'21) on VOC 2012 aug from image tags: ResNet-50 at
# output stride 16, visual words encoder with k = 256 words, HSPP (levels 1,
# 2, 4; gamma 2) for the image branch, GAP for the word branch; the image,
# word and word-to-image soft-margin losses with equal weights; 16 images per
# batch, 512x512 crops, 6 epochs (lr 0.01 backbone / 0.1 new parameters,
# poly). CAMs: the max of the two max-normalised branches.
_base_ = [
    '../_base_/models/cam_r50-d16.py', '../_base_/datasets/voc12aug_tags.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_cam_6e.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        pool=dict(type='HybridSpatialPyramidPooling', levels=(1, 2, 4),
                  gamma=2.0),
        visual_words=dict(type='VisualWordsEncoder', num_words=256)))
