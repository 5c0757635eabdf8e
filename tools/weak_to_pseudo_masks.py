"""Weak labels -> dense pseudo-mask PNGs, scored against ground truth.

    python tools/weak_to_pseudo_masks.py CONFIG OUT_DIR
        [--method auto|rw|crf|rw+crf|grabcut|grabcut+rw|grabcut+crf|
                  opencv_rect|opencv_seeds]
        [--box-background 0|none] [--split train|val] [--limit N]
        [--out-json FILE] [--cfg-options ...]

Reads the weak labels of the config's training set (points, scribbles or
boxes, as configured), propagates them with ``mmwsss.apis.weak_to_pseudo_mask``
(``auto``, the default, picks the measured best method of the label type:
see ``benchmarks/bench_pseudo_masks.py``), writes ``OUT_DIR/NAME.png`` and,
where the dataset has dense masks, prints the mIoU of the pseudo-masks
(mmseg's ``IoUMetric``; with ``--out-json`` the mIoU, per-class IoU, method,
label type and image count are saved). Boxes: pixels outside every box are
``--box-background`` (the dataset's background class, 0 by default; ``none``
for datasets without one, such as CamVid: they stay unlabelled). The PNGs can
be read back by a training config with
``weak_ann=dict(type='label_map', dir=OUT_DIR)``.
"""
import argparse
import json
import os
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmseg.evaluation import IoUMetric
from tqdm import tqdm

from mmwsss.apis import sample_to_pseudo_mask
from mmwsss.apis.pseudo_masks import METHODS
from mmwsss.datasets.transforms import loading_steps
from mmwsss.evaluation import per_class_iou
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('out_dir')
    parser.add_argument('--method', default='auto', choices=METHODS)
    parser.add_argument('--box-background', default='0',
                        help="label outside every box, or 'none'")
    parser.add_argument('--split', default='train', choices=['train', 'val'])
    parser.add_argument('--limit', type=int, help='first N images only')
    parser.add_argument('--num-steps', type=int, default=100)
    parser.add_argument('--sigma', type=float, default=0.1)
    parser.add_argument('--out-json', help='write the scores here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None):
    """Writes the pseudo-masks; returns their mIoU against the dense masks
    (mmseg's ``IoUMetric``; None without dense masks)."""
    args = parse_args(argv)
    background = None if args.box_background.lower() == 'none' else int(
        args.box_background)
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
    ds_cfg.pipeline = loading_steps(ds_cfg.pipeline)
    dataset = DATASETS.build(ds_cfg)
    num_classes = len(dataset.metainfo['classes'])
    os.makedirs(args.out_dir, exist_ok=True)
    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=dataset.metainfo['classes'])
    n = len(dataset) if args.limit is None else min(args.limit, len(dataset))
    for i in tqdm(range(n), desc='pseudo-masks', unit='img'):
        r = dataset[i]
        mask = sample_to_pseudo_mask(r, num_classes, args.method,
                                     background=background,
                                     num_steps=args.num_steps,
                                     sigma=args.sigma)
        name = osp.splitext(osp.basename(r['img_path']))[0]
        cv2.imwrite(osp.join(args.out_dir, name + '.png'), mask)
        if r.get('gt_seg_map') is not None:
            metric.process(None, [
                dict(pred_sem_seg=dict(data=torch.from_numpy(mask)),
                     gt_sem_seg=dict(data=torch.from_numpy(
                         np.asarray(r['gt_seg_map']))))
            ])
    print(f'wrote {n} pseudo-masks to {args.out_dir}')
    if not metric.results:
        return None
    miou = float(metric.compute_metrics(metric.results)['mIoU'])
    print(f'pseudo-mask mIoU against the dense masks: {miou:.2f} '
          f'({args.method}, {len(metric.results)} images)')
    if args.out_json:
        scores = dict(
            config=args.config, split=args.split, weak_label=ds_cfg.weak_label,
            method=args.method, box_background=args.box_background,
            images=len(metric.results), mIoU=round(miou, 2),
            per_class_iou=per_class_iou(metric.results,
                                        dataset.metainfo['classes']))
        with open(args.out_json, 'w') as f:
            json.dump(scores, f, indent=1)
    return miou


if __name__ == '__main__':
    main()
