"""Pseudo-masks from points, scribbles and boxes: every method of
``mmwsss.apis.weak_to_pseudo_mask`` against OpenCV's GrabCut classics, side
by side on the same images in one run.

    .venv/bin/python benchmarks/bench_pseudo_masks.py \\
        [--suites camvid toy] [--kinds points scribbles boxes] \\
        [--methods rw grabcut ...] [--start K] [--limit N] [--out FILE.json]

The classics: ``opencv_rect`` (``cv2.grabCut`` initialised with each box's
rectangle on the whole image) for boxes, ``opencv_seeds`` (``cv2.grabCut``
initialised from the seeds: probable foreground inside the bounding box of a
class's seeds, one cut per class) for points and scribbles. Suites:
``camvid`` (the training images of ``data/camvid``, labels derived from the
masks as the CamVid configs derive them; no background class, so boxes
leave the pixels they do not claim unlabelled) and ``toy`` (the embedded toy
set's label files; class 0 is background). Scores: mmseg's ``IoUMetric``
against the dense masks; time: mean seconds per image of the method alone
(the labels are loaded once per image, outside the clock).
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
import time

import numpy as np
import torch
from mmengine.config import Config
from mmseg.evaluation import IoUMetric

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmwsss.apis import weak_to_pseudo_mask  # noqa: E402
from mmwsss.apis.pseudo_masks import METHODS  # noqa: E402
from mmwsss.datasets.transforms import loading_steps  # noqa: E402
from mmwsss.registry import DATASETS  # noqa: E402
from mmwsss.structures import rasterize_weak_target  # noqa: E402
from mmwsss.utils import register_all_modules  # noqa: E402

# suite: (config, data root, box background)
SUITES = dict(
    camvid=('configs/baseline/pce_r18_1xb8-1k_camvid-176x176_point.py',
            'data/camvid', None),
    toy=('configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py',
         'data/toy', 0))
CLASSIC = dict(points='opencv_seeds', scribbles='opencv_seeds',
               boxes='opencv_rect')


def build_dataset(suite, kind, start, limit):
    config, root, _ = SUITES[suite]
    cfg = Config.fromfile(osp.join(ROOT, config))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = osp.join(ROOT, root)
    ds_cfg.weak_label = kind
    if ds_cfg.weak_ann.type != 'from_mask':  # the toy set's files
        ds_cfg.weak_ann = dict(
            points=dict(type='whats_the_point',
                        files=['weak/points.json', 'weak/points_bg.json']),
            scribbles=dict(type='scribble_xml', dir='weak/scribbles'),
            boxes=dict(type='voc_xml', dir='weak/Annotations'))[kind]
    ds_cfg.pipeline = loading_steps(ds_cfg.pipeline)
    dataset = DATASETS.build(ds_cfg)
    if start >= len(dataset):
        raise SystemExit(f'{suite}: --start {start} but the training set '
                         f'has {len(dataset)} images')
    end = len(dataset) if limit is None else min(start + limit, len(dataset))
    return dataset.get_subset(list(range(start, end)))


def run(suite, kind, methods, start, limit, grabcut_iters=5):
    dataset = build_dataset(suite, kind, start, limit)
    background = SUITES[suite][2]
    num_classes = len(dataset.metainfo['classes'])
    metrics, secs = {}, {m: 0.0 for m in methods}
    for m in methods:
        metrics[m] = IoUMetric(iou_metrics=['mIoU'])
        metrics[m].dataset_meta = dict(classes=dataset.metainfo['classes'])
    for i in range(len(dataset)):
        r = dataset[i]
        image = np.ascontiguousarray(r['img'][..., ::-1])  # BGR -> RGB
        weak = rasterize_weak_target(
            image.shape[:2], weak_map=r.get('gt_weak_seg_map'),
            points=r.get('gt_points'), point_labels=r.get('gt_points_labels'))
        gt = torch.from_numpy(np.asarray(r['gt_seg_map']))
        for m in methods:
            start = time.perf_counter()
            mask = weak_to_pseudo_mask(image, weak, num_classes, m,
                                       r.get('gt_bboxes'),
                                       r.get('gt_bboxes_labels'),
                                       background=background,
                                       grabcut_iters=grabcut_iters)
            secs[m] += time.perf_counter() - start
            metrics[m].process(None, [
                dict(pred_sem_seg=dict(data=torch.from_numpy(mask)),
                     gt_sem_seg=dict(data=gt))
            ])
    return {
        m: dict(mIoU=float(metrics[m].compute_metrics(
            metrics[m].results)['mIoU']),
                sec_per_image=secs[m] / len(dataset))
        for m in methods
    }, len(dataset)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--suites', nargs='+', default=list(SUITES),
                        choices=list(SUITES))
    parser.add_argument('--kinds', nargs='+',
                        default=['points', 'scribbles', 'boxes'],
                        choices=['points', 'scribbles', 'boxes'])
    parser.add_argument('--methods', nargs='+', choices=METHODS)
    parser.add_argument('--start', type=int, default=0,
                        help='first image (of the sorted training list)')
    parser.add_argument('--limit', type=int, help='N images per suite')
    parser.add_argument('--grabcut-iters', type=int, default=5,
                        help="cut iterations of the 'grabcut*' methods "
                        "(not of auto and the classics)")
    parser.add_argument('--out', help='write the results as JSON')
    args = parser.parse_args()
    register_all_modules()
    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel('WARNING')  # per-class tables
    if 'toy' in args.suites and not osp.isdir(osp.join(ROOT, 'data/toy')):
        from mmwsss.datasets import make_toy_dataset
        make_toy_dataset(osp.join(ROOT, 'data/toy'))
    torch.set_num_threads(os.cpu_count() or 1)
    results = dict(machine=f'{platform.machine()}, {os.cpu_count()} cores, '
                   f'torch {torch.__version__}', start=args.start,
                   limit=args.limit, grabcut_iters=args.grabcut_iters,
                   rows=[])
    for suite in args.suites:
        for kind in args.kinds:
            methods = args.methods or [
                m for m in METHODS if not m.startswith(('opencv', 'auto'))
            ] + ['auto', CLASSIC[kind]]
            methods = [m for m in methods
                       if not m.startswith('opencv') or m == CLASSIC[kind]]
            scores, n = run(suite, kind, methods, args.start, args.limit,
                            args.grabcut_iters)
            classic = scores.get(CLASSIC[kind])
            for m, v in scores.items():
                if classic is not None:  # against the classic, same images
                    v['mIoU_minus_classic'] = v['mIoU'] - classic['mIoU']
                    v['classic_time_ratio'] = (classic['sec_per_image'] /
                                               v['sec_per_image'])
                results['rows'].append(dict(suite=suite, kind=kind, method=m,
                                            images=n, **v))
                print(f'{suite:7s} {kind:10s} {m:13s} mIoU {v["mIoU"]:6.2f} '
                      f'{v["sec_per_image"]:.3f} s/img', flush=True)
    lines = ['| suite | labels | method | mIoU | s / image | mIoU - classic '
             '| classic time / time |', '| --- | --- | --- | --- | --- | --- '
             '| --- |']
    lines += [f'| {r["suite"]} | {r["kind"]} | {r["method"]} | '
              f'{r["mIoU"]:.2f} | {r["sec_per_image"]:.3f} | '
              f'{r.get("mIoU_minus_classic", float("nan")):+.2f} | '
              f'{r.get("classic_time_ratio", float("nan")):.2f} |'
              for r in results['rows']]
    print('\n'.join(lines))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
