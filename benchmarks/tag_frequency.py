"""How often each class is among an image's tags in a training set.

    .venv/bin/python benchmarks/tag_frequency.py CONFIG \\
        [--out benchmarks/results/cams/camvid_tag_frequency.md]

Builds the config's training dataset, reads every image's dense mask and
takes its tags as the training pipeline derives them
(``tags_from_mask``: every class with a pixel). A class tagged in almost
every image gives a CAM classifier almost nothing to tell apart.
"""
import argparse

import numpy as np
from mmengine.config import Config

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
    counts = np.zeros(len(classes))
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        gt = read_seg_map(info, 255)
        counts[tags_from_mask(gt, len(classes))] += 1
    lines = [f'{len(dataset)} training images of `{args.config}`', '',
             '| class | images tagged | share |', '| --- | --- | --- |']
    for name, c in zip(classes, counts):
        lines.append(f'| {name} | {int(c)} | {100 * c / len(dataset):.1f} % |')
    table = '\n'.join(lines)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
