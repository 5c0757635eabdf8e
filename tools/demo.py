"""The demo: train on the embedded toy dataset, report mIoU, draw results.

``python tools/demo.py`` (``make demo``) generates the toy dataset under
``data/toy`` (deterministic), trains the partial cross-entropy baseline from
"What's the point" clicks on the CPU, prints the validation metrics and writes
``work_dirs/demo/vis/*.png``: image | weak label | prediction | ground truth.
"""
import argparse
import os
import os.path as osp
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

from mmwsss.datasets import make_toy_dataset
from mmwsss.datasets.transforms import loading_steps
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules
from mmwsss.visualization import weak_label_panel

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(
    ROOT, 'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/demo'))
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data/toy'))
    parser.add_argument('--num-vis', type=int, default=6)
    return parser.parse_args()


def draw(runner, cfg, data_root, out_dir, num):
    """Predict the first validation images and save the side-by-side panels."""
    os.makedirs(out_dir, exist_ok=True)
    train_ds = cfg.train_dataloader.dataset
    dataset = DATASETS.build(
        dict(
            type=train_ds.type,
            data_root=data_root,
            data_prefix=dict(img_path='images/val', seg_map_path='masks/val'),
            ann_file='val.txt',
            weak_label=train_ds.weak_label,
            weak_ann=train_ds.weak_ann,
            pipeline=loading_steps(train_ds.pipeline) +
            [dict(type='PackWeakSegInputs', point_radius=1)]))
    palette = dataset.metainfo['palette']
    model = runner.model
    model.eval()
    paths = []
    for i in range(min(num, len(dataset))):
        item = dataset[i]
        weak = item['data_samples'].gt_sem_seg.data[0].numpy()
        with torch.no_grad():
            pred = model.test_step(pseudo_collate([item]))[0]
        pred = pred.pred_sem_seg.data[0].numpy()
        info = dataset.get_data_info(i)
        gt = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
        img = cv2.imread(info['img_path'])[..., ::-1]
        panel = weak_label_panel(img, weak, pred, gt, palette)
        path = osp.join(out_dir, osp.basename(info['img_path']))
        cv2.imwrite(path, panel[..., ::-1])
        paths.append(path)
    return paths


def main():
    args = parse_args()
    start = time.time()
    make_toy_dataset(args.data_root)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    cfg.work_dir = args.work_dir
    cfg.train_dataloader.dataset.data_root = args.data_root
    cfg.val_dataloader.dataset.data_root = args.data_root
    cfg.test_dataloader.dataset.data_root = args.data_root
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    paths = draw(runner, cfg, args.data_root, osp.join(args.work_dir, 'vis'),
                 args.num_vis)
    print(f'\n=== mmwsss demo: {osp.basename(args.config)[:-3]} (toy set, '
          f'{cfg.train_dataloader.dataset.weak_label}) ===')
    for key in ('mIoU', 'J', 'F', 'J&F'):
        if key in metrics:
            print(f'  val {key:5s} {metrics[key]:6.2f}')
    print(f'  panels (image | weak label | prediction | ground truth): '
          f'{osp.dirname(paths[0]) if paths else "-"}')
    print(f'  total time {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
