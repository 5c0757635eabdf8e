# SPML stage 2 on CamVid scribbles: the final softmax classifier (S2) trained
# on the frozen stage-1 embeddings from random-walk + DenseCRF pseudo-labels of
# the training images, and DenseCRF on the final predictions. The pseudo-labels
# are written under work_dirs/, never into the dataset:
#   python tools/train.py configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py
#   python tools/spml_pseudo_labels.py \
#       configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py \
#       work_dirs/spml_r18_1xb8-1k_camvid-176x176_scribble/iter_1000.pth \
#       work_dirs/camvid_pseudo/spml_scribble --crf
#   python tools/train.py configs/spml/spml_r18_1xb8-200it_camvid-176x176_scribble_stage2.py
# Frozen embedding, pipeline and schedule as the S1 config.
_base_ = ['./spml_r18_1xb8-200it_camvid-176x176_scribble_s1.py']
model = dict(
    type='CRFEncoderDecoder',
    crf=dict())  # dense_crf defaults
train_dataloader = dict(
    dataset=dict(
        weak_ann=dict(
            _delete_=True,
            type='label_map',
            dir='{{fileDirname}}/../../work_dirs/camvid_pseudo/spml_scribble')))
