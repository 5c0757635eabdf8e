"""How often each class is among an image's tags in a training set.

    .venv/bin/python benchmarks/tag_frequency.py CONFIG \\
        [--out benchmarks/results/cams/camvid_tag_frequency.md]

Builds the config's training dataset, reads every image's dense mask and
takes its tags as the training pipeline derives them
(``tags_from_mask``: every class with a pixel). A class tagged in almost
every image gives a CAM classifier almost nothing to tell apart.

The table also gives the chance level of tag-restricted pseudo-labels: the
expected IoU per class when every pixel takes one of its image's tags
uniformly at random (computed exactly from the expected confusion counts:
a pixel of class c in an image with k tags is labelled c with probability
1 / k, and each tag receives 1 / k of the image's labelled pixels). CAM
pseudo-labels, which choose among the same tags, are judged against it.
"""
import argparse

import numpy as np
import torch
from mmengine.config import Config
from mmseg.evaluation import IoUMetric

from mmwsss.datasets.transforms.loading import read_seg_map
from mmwsss.datasets.weak_annotations import tags_from_mask
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--out')
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg.pipeline = []
    dataset = DATASETS.build(ds_cfg)
    classes = dataset.metainfo['classes']
    num_classes = len(classes)
    counts = np.zeros(num_classes)
    # expected true positives, predicted and ground-truth pixels per class
    # of the uniformly random tag labelling
    tp, pred, true = (np.zeros(num_classes) for _ in range(3))
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        gt = read_seg_map(info, 255)
        tags = tags_from_mask(gt, num_classes)
        counts[tags] += 1
        pixels = np.bincount(gt[gt < num_classes].ravel(),
                             minlength=num_classes).astype(np.float64)
        true += pixels
        if len(tags):
            tp[tags] += pixels[tags] / len(tags)
            pred[tags] += pixels.sum() / len(tags)
    # mmseg's own IoU of the (expected) areas
    iou = IoUMetric.total_area_to_metrics(
        torch.from_numpy(tp), torch.from_numpy(pred + true - tp),
        torch.from_numpy(pred), torch.from_numpy(true))['IoU']
    lines = [f'{len(dataset)} training images of `{args.config}`', '',
             '| class | images tagged | share | IoU of a random tag per '
             'pixel (%) |', '| --- | --- | --- | --- |']
    for name, c, v in zip(classes, counts, iou):
        lines.append(f'| {name} | {int(c)} | {100 * c / len(dataset):.1f} % '
                     f'| {100 * v:.1f} |')
    lines += ['', f'Chance mIoU of tag-restricted pseudo-labels: '
              f'{100 * np.nanmean(iou):.2f}']
    table = '\n'.join(lines)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
