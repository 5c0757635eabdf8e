# DensePose-COCO (14 body parts + background) from keypoints, after
#   python tools/dataset_converters/densepose.py data/coco/annotations/densepose_coco_2014_train.json ...
# Layout (data/coco): train2014/, val2014/, densepose/{parts,keypoints}/{train,minival}/NAME.png,
# densepose/{train,minival}.txt. Training reads the Gaussian keypoint labels
# (SPML Appendix A.3), validation the dense part masks of minival 2014 (1,508 images).
# A flip swaps the left and right parts (flip_pairs). Variant:
# densepose_weak_superpixels.py (SPML).
dataset_type = 'DensePoseWeakDataset'
data_root = 'data/coco'
crop_size = (512, 512)
flip_pairs = [(3, 2), (4, 5), (7, 6), (9, 8), (10, 11), (12, 13)]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', with_seg=False),
    dict(type='WeakRandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5, swap_label_pairs=flip_pairs),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadWeakAnnotations'),
    dict(type='PackWeakSegInputs', target='dense'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='train2014'),
        ann_file='densepose/train.txt',
        weak_label='densepose',
        weak_ann=dict(type='label_map', dir='densepose/keypoints/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='val2014',
                         seg_map_path='densepose/parts/minival'),
        ann_file='densepose/minival.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# mIoU (J), the boundary F-score F and J&F
val_evaluator = dict(type='ContourMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
