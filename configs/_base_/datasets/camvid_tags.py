# camvid_weak.py trained from image tags derived from the masks (every class
# with a segment of at least 20 pixels), for CAM classifiers. Road, sky and
# building are in almost every image, so their tags carry almost no
# information: see configs/cam/README.md.
_base_ = ['./camvid_weak.py']
train_dataloader = dict(dataset=dict(weak_label='tags'))
