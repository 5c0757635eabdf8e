# camvid_weak.py with PMP's points (Akiva & Dana): CamVid has masks, no
# boxes, so the clicks are derived from the masks on the fly
# (GenerateWeakLabelsFromMask, deterministic per image): one click at the
# innermost pixel of every segment of at least 20 pixels of the thing
# classes (pole 2, sign 6, fence 7, car 8, pedestrian 9, bicyclist 10), and
# 4 random clicks among the pixels of each stuff class present (sky 0,
# building 1, road 3, pavement 4, tree 5), PMP's background points, one set
# per stuff class since CamVid has no single background class. Point blots
# (GeneratePointBlots) grow from them on the original image, cached in
# work_dirs/pmp_blots/camvid (empty it after changing the points or the blot
# arguments), before the geometric transforms of camvid_weak.py, which move
# clicks and blots with the image; PMP's vertical flip is added.
_base_ = ['./camvid_weak.py']
crop_size = (176, 176)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='GenerateWeakLabelsFromMask', background_classes=(0, 1, 3, 4, 5),
         num_background_points=4, min_area=20),
    dict(type='GeneratePointBlots', cache_dir='work_dirs/pmp_blots/camvid'),
    dict(type='WeakRandomResize', scale=(240, 180), ratio_range=(0.75, 1.5)),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='WeakRandomVerticalFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
