"""What PMP trains on: the quality of its pseudo-masks on the training
images, against the dense masks, for a PMP config and a checkpoint.

    .venv/bin/python benchmarks/pmp_pseudo_masks.py CONFIG [--checkpoint P] \\
        [--scores E_OBJ:E_BG ...] [--limit N] [--out FILE.md]

Each training image goes through the config's label steps only (loading,
the weak labels, the point blots; no resize, crop, flip or colour change), so
that the dense mask lines up with it, and through the model in eval mode
(batch of one). For each pair of expansion scores (default: 0:0, the start
of training, and the checkpoint's own ``e_obj`` / ``e_bg``) it scores:

- ``points``: the clicks alone;
- ``blots``: the point blots with the clicks on top (PMP's labels before
  any network output counts);
- ``pseudo E_obj:E_BG``: :meth:`PMPHead.pseudo_masks` at those scores;
- ``prediction``: the network's arg-max (what validation scores).

Scores per row: the labelled share of the pixels, the precision of the
labelled pixels (accuracy where labelled), mmseg's ``IoUMetric`` mIoU over
the labelled pixels only, and the share of the labelled pixels in each class
against that class's share of the dense masks (the class balance the loss
sees).
"""
import argparse
import os.path as osp
import sys

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint
from mmseg.evaluation import IoUMetric

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmwsss.registry import DATASETS, MODELS  # noqa: E402
from mmwsss.utils import register_all_modules  # noqa: E402

# Train pipeline steps that keep the image's geometry and colours.
LABEL_STEPS = ('LoadImageFromFile', 'GenerateWeakLabelsFromMask',
               'LoadWeakAnnotations', 'GeneratePointBlots', 'LoadPointBlots')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config')
    p.add_argument('--checkpoint')
    p.add_argument('--scores', nargs='+', default=None,
                   help='E_OBJ:E_BG pairs (default 0:0 and the checkpoint)')
    p.add_argument('--limit', type=int, default=60)
    p.add_argument('--data-root', default=None)
    p.add_argument('--out')
    return p.parse_args()


def datasets(cfg, data_root):
    """The training set twice: with the label steps, and with the dense
    masks (the test pipeline), index for index."""
    train = cfg.train_dataloader.dataset
    if data_root:
        train.data_root = data_root
    steps = [s for s in train.pipeline if s['type'] in LABEL_STEPS]
    steps.append(dict(type='PackWeakSegInputs'))
    weak = DATASETS.build(dict(train, pipeline=steps))
    dense = DATASETS.build(
        dict(type=train.type, data_root=train.data_root,
             data_prefix=train.data_prefix, ann_file=train.ann_file,
             pipeline=cfg.test_dataloader.dataset.pipeline))
    return weak, dense


class Scores:
    """Labelled share, precision and class balance of one kind of labels."""

    def __init__(self, num_classes, ignore_index):
        self.metric = IoUMetric(iou_metrics=['mIoU'])
        self.metric.dataset_meta = dict(classes=list(range(num_classes)))
        self.C = num_classes
        self.ignore = ignore_index
        self.labelled = 0
        self.valid = 0
        self.correct = 0
        self.counts = np.zeros(num_classes)

    def add(self, label, gt):
        valid = gt != self.ignore
        lab = (label != self.ignore) & valid
        self.valid += int(valid.sum())
        self.labelled += int(lab.sum())
        self.correct += int((label[lab] == gt[lab]).sum())
        self.counts += np.bincount(label[lab].cpu().numpy(),
                                   minlength=self.C)[:self.C]
        # mIoU over the labelled pixels only
        gt_lab = torch.where(lab, gt, torch.full_like(gt, self.ignore))
        self.metric.results.append(
            self.metric.intersect_and_union(
                torch.where(lab, label, torch.zeros_like(label)), gt_lab,
                self.C, self.ignore))

    def summary(self):
        results = tuple(zip(*self.metric.results))
        total = [sum(r) for r in results]
        # a numpy array: total_area_to_metrics converts its tensors
        iou = self.metric.total_area_to_metrics(
            *total, metrics=['mIoU'])['IoU']
        return dict(
            labelled=100 * self.labelled / max(self.valid, 1),
            precision=100 * self.correct / max(self.labelled, 1),
            miou=100 * float(np.nanmean(iou)),
            balance=(100 * self.counts / max(self.counts.sum(), 1)).tolist())


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    cfg.model.pop('pretrained', None)
    model = MODELS.build(cfg.model)
    head = model.decode_head
    if args.checkpoint:
        ckpt = load_checkpoint(model, args.checkpoint, map_location='cpu')
        # the scores of ExpansionScoreHook, saved beside the weights
        state = ckpt.get('expansion_score', {})
        head.e_obj = float(state.get('e_obj', 0.0))
        head.e_bg = float(state.get('e_bg', 0.0))
    model.eval()
    C, ignore = head.num_classes, head.ignore_index
    pairs = []
    for s in args.scores or ['0:0'] + (
            [f'{head.e_obj}:{head.e_bg}'] if args.checkpoint else []):
        e_obj, e_bg = (float(v) for v in s.split(':'))
        if (e_obj, e_bg) not in pairs:
            pairs.append((e_obj, e_bg))
    weak, dense = datasets(cfg, args.data_root)
    n = min(args.limit, len(weak))
    rows = dict(points=Scores(C, ignore), blots=Scores(C, ignore))
    rows.update({f'pseudo {e}:{b}': Scores(C, ignore) for e, b in pairs})
    rows['prediction'] = Scores(C, ignore)
    truth = np.zeros(C)
    for i in range(n):
        w, d = weak[i], dense[i]
        gt = d['data_samples'].gt_sem_seg.data[0].long()
        truth += np.bincount(gt[gt != ignore].numpy(), minlength=C)[:C]
        sample = w['data_samples']
        points = sample.gt_sem_seg.data[0].long()
        if gt.shape != points.shape:
            raise ValueError(f'{sample.img_path}: weak labels '
                             f'{tuple(points.shape)} and dense mask '
                             f'{tuple(gt.shape)} differ in size')
        rows['points'].add(points, gt)
        blots = sample.gt_point_blots.data[0].long()
        rows['blots'].add(torch.where(points != ignore, points, blots), gt)
        with torch.no_grad():
            data = model.data_preprocessor(pseudo_collate([w]), False)
            inputs, samples = data['inputs'], data['data_samples']
            logits = head.forward(model.extract_feat(inputs))
            images = model.unnormalised(inputs)
            for e, b in pairs:
                head.e_obj, head.e_bg = e, b
                target, _ = head.pseudo_masks(logits, images, samples)
                H, W = gt.shape
                rows[f'pseudo {e}:{b}'].add(target[0, :H, :W], gt)
            pred = model.predict(inputs, samples)[0].pred_sem_seg.data[0]
            rows['prediction'].add(pred.long(), gt)
    truth = 100 * truth / truth.sum()
    classes = weak.metainfo['classes']
    lines = [
        f'PMP pseudo-masks on {n} training images: `{args.config}`'
        + (f', checkpoint `{args.checkpoint}`' if args.checkpoint else
           ', no checkpoint (random decoder)'), '',
        '| labels | labelled (%) | precision (%) | mIoU where labelled | '
        + ' | '.join(classes) + ' |',
        '| --- ' * (4 + C) + '|',
        '| dense masks (share %) | 100 | 100 | 100 | '
        + ' | '.join(f'{v:.1f}' for v in truth) + ' |'
    ]
    for name, s in rows.items():
        r = s.summary()
        lines.append(f'| {name} | {r["labelled"]:.1f} | {r["precision"]:.1f}'
                     f' | {r["miou"]:.2f} | '
                     + ' | '.join(f'{v:.1f}' for v in r['balance']) + ' |')
    text = '\n'.join(lines) + '\n'
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
