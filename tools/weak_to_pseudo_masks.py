"""Weak labels -> dense pseudo-mask PNGs, scored against ground truth.

    python tools/weak_to_pseudo_masks.py CONFIG OUT_DIR [--method rw|crf|rw+crf]
        [--split train|val] [--limit N] [--cfg-options ...]

Reads the weak labels of the config's training set (points, scribbles or
boxes, as configured), propagates them with the colour random walk of
``mmwsss.ops`` and/or DenseCRF, writes ``OUT_DIR/NAME.png`` and, where the
dataset has dense masks, prints the mIoU of the pseudo-masks. The PNGs can be
read back by a training config with ``weak_ann=dict(type='label_map',
dir=OUT_DIR)``.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from mmengine.config import Config, DictAction
from tqdm import tqdm

from mmwsss.apis import weak_to_pseudo_mask
from mmwsss.structures import rasterize_weak_target
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('out_dir')
    parser.add_argument('--method', default='rw', choices=['rw', 'crf',
                                                           'rw+crf'])
    parser.add_argument('--split', default='train', choices=['train', 'val'])
    parser.add_argument('--limit', type=int, help='first N images only')
    parser.add_argument('--num-steps', type=int, default=100)
    parser.add_argument('--sigma', type=float, default=0.1)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    ds_cfg = cfg.train_dataloader.dataset.copy()
    if ds_cfg.get('weak_label') not in ('points', 'scribbles', 'boxes'):
        raise SystemExit(f'{args.config}: the training set must use points, '
                         f'scribbles or boxes, not {ds_cfg.get("weak_label")}')
    if args.split == 'val':
        val = cfg.val_dataloader.dataset
        ds_cfg.update(data_prefix=val.data_prefix, ann_file=val.ann_file)
    ds_cfg.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations'),
    ]
    dataset = DATASETS.build(ds_cfg)
    num_classes = len(dataset.metainfo['classes'])
    os.makedirs(args.out_dir, exist_ok=True)
    conf = np.zeros((num_classes, num_classes), np.int64)
    n = len(dataset) if args.limit is None else min(args.limit, len(dataset))
    for i in tqdm(range(n), desc='pseudo-masks', unit='img'):
        r = dataset[i]
        image = np.ascontiguousarray(r['img'][..., ::-1])  # BGR -> RGB
        weak = rasterize_weak_target(
            image.shape[:2], weak_map=r.get('gt_weak_seg_map'),
            points=r.get('gt_points'), point_labels=r.get('gt_points_labels'))
        boxes, labels = r.get('gt_bboxes'), r.get('gt_bboxes_labels')
        mask = weak_to_pseudo_mask(image, weak, num_classes, args.method,
                                   boxes, labels, num_steps=args.num_steps,
                                   sigma=args.sigma)
        name = osp.splitext(osp.basename(r['img_path']))[0]
        cv2.imwrite(osp.join(args.out_dir, name + '.png'), mask)
        if 'gt_seg_map' in r:
            gt = r['gt_seg_map']
            valid = gt != 255
            conf += np.bincount(
                gt[valid].astype(np.int64) * num_classes + mask[valid],
                minlength=num_classes**2).reshape(num_classes, num_classes)
    print(f'wrote {n} pseudo-masks to {args.out_dir}')
    if conf.sum():
        inter = np.diag(conf)
        union = conf.sum(0) + conf.sum(1) - inter
        iou = inter[union > 0] / union[union > 0]
        print(f'pseudo-mask mIoU against the dense masks: '
              f'{100 * iou.mean():.2f} ({args.method}, {n} images)')


if __name__ == '__main__':
    main()
