"""SPML stage 2: pseudo-labels of a training set from a stage-1 model.

    python tools/spml_pseudo_labels.py CONFIG CHECKPOINT OUT_DIR
        [--num-steps 64] [--beta 20] [--gamma 5] [--crf] [--restrict-to-tags]
        [--retrieval] [--split train|val] [--limit N] [--device cpu|cuda]
        [--cfg-options ...]

For every image: the stage-1 embeddings and classifier (S1) logits, a random
walk on the embedding affinities (Algorithm 1, lines 2-4; ``--num-steps 64``
is SPML's code, 6 its paper), optional DenseCRF (``--crf``), arg-max
pseudo-labels. ``--restrict-to-tags`` zeroes the classes outside an image's
tags (background kept), for tags and boxes. ``--retrieval`` adds Algorithm 2's
nearest-neighbour retrieval: a first pass collects the labelled segment
prototypes of the training set, a second relabels each segment of an image
with its nearest prototype among the image's tags.

Writes ``OUT_DIR/NAME.png`` and prints the mIoU of the pseudo-labels against
the dense masks where the dataset has them. A stage-2 config reads them with
``weak_ann=dict(type='label_map', dir=OUT_DIR)`` and
``SPMLHead(train_embedding=False)`` (see ``configs/spml/*stage2*.py``).
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import DictAction
from tqdm import tqdm

from mmwsss.apis import (collect_prototypes, embed_and_classify,
                         init_spml_model, pseudo_labels,
                         refine_with_random_walk, retrieve_labels)
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out_dir')
    parser.add_argument('--num-steps', type=int, default=64)
    parser.add_argument('--beta', type=float, default=20)
    parser.add_argument('--gamma', type=float, default=5)
    parser.add_argument('--crf', action='store_true',
                        help='DenseCRF on the propagated scores')
    parser.add_argument('--restrict-to-tags', action='store_true')
    parser.add_argument('--retrieval', action='store_true')
    parser.add_argument('--split', default='train', choices=['train', 'val'])
    parser.add_argument('--limit', type=int, help='first N images only')
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def build_dataset(cfg, split):
    ds_cfg = cfg[f'{split}_dataloader'].dataset.copy()
    ds_cfg.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations'),
        dict(type='PackWeakSegInputs', target='dense'),
    ]
    return DATASETS.build(ds_cfg)


class Scorer:
    """mIoU of label maps against dense masks (confusion matrix)."""

    def __init__(self, num_classes, ignore_index=255):
        self.n = num_classes
        self.ignore = ignore_index
        self.conf = np.zeros((num_classes, num_classes), np.int64)

    def add(self, pred, gt):
        ok = (gt != self.ignore) & (gt < self.n)
        self.conf += np.bincount(self.n * gt[ok].astype(np.int64) + pred[ok],
                                 minlength=self.n**2).reshape(self.n, self.n)

    def miou(self):
        inter = np.diag(self.conf)
        union = self.conf.sum(0) + self.conf.sum(1) - inter
        present = union > 0
        return float((inter[present] / union[present]).mean() * 100)


def main():
    args = parse_args()
    register_all_modules()
    cfg, model = init_spml_model(args.config, args.checkpoint, args.device,
                                 args.cfg_options)
    head = model.decode_head
    dataset = build_dataset(cfg, args.split)
    num_classes = len(dataset.metainfo['classes'])
    count = len(dataset) if args.limit is None else min(args.limit,
                                                        len(dataset))
    os.makedirs(args.out_dir, exist_ok=True)
    crf = dict() if args.crf else None

    def image_pass(i):
        data = dataset[i]
        batch = model.data_preprocessor(
            dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
            False)
        sample = batch['data_samples'][0]
        emb, logits = embed_and_classify(model, batch['inputs'])
        # cut the padding of the data preprocessor
        H, W = batch['inputs'].shape[-2:]
        h_img, w_img = sample.metainfo['img_shape'][:2]
        h = int(np.ceil(emb.shape[2] * h_img / H))
        w = int(np.ceil(emb.shape[3] * w_img / W))
        emb, logits = emb[..., :h, :w], logits[..., :h, :w]
        allowed = None
        if args.restrict_to_tags and 'gt_tags' in sample:
            allowed = sample.gt_tags.to(logits)[None].clone()
            allowed[:, 0] = 1  # background
        # S1 logits (softmax inside), or probabilities restricted to the tags
        scores = logits if allowed is None else logits.softmax(1)
        refined = refine_with_random_walk(emb, scores, args.num_steps,
                                          args.beta, args.gamma, tags=allowed)
        return data, sample, emb, refined, allowed

    bank = None
    if args.retrieval:
        protos, labels = [], []
        for i in tqdm(range(count), desc='prototypes'):
            _, _, emb, refined, _ = image_pass(i)
            p, lab = collect_prototypes(emb, refined.argmax(1), num_classes,
                                        head.kmeans_grid)
            protos.append(p)
            labels.append(lab)
        bank = torch.cat(protos), torch.cat(labels)

    scorer = Scorer(num_classes)
    scored = 0
    for i in tqdm(range(count), desc='pseudo-labels'):
        data, sample, emb, refined, allowed = image_pass(i)
        ori = tuple(sample.metainfo['ori_shape'][:2])
        image = cv2.imread(sample.metainfo['img_path'])[..., ::-1].copy()
        if bank is not None:
            tags = allowed if allowed is not None else F.one_hot(
                refined.argmax(1).flatten().unique(),
                num_classes).sum(0, keepdim=True).clamp(max=1)
            lab = retrieve_labels(emb, refined.argmax(1), bank[0], bank[1],
                                  tags, num_classes, head.kmeans_grid)[0]
            lab = torch.where(lab >= 0, lab, refined.argmax(1)[0])
            refined = F.one_hot(lab, num_classes).permute(2, 0, 1)[None]
            refined = refined.float()
        label = pseudo_labels(refined[0], ori, image, crf)
        name = osp.splitext(osp.basename(sample.metainfo['img_path']))[0]
        cv2.imwrite(osp.join(args.out_dir, name + '.png'), label)
        if 'gt_sem_seg' in data['data_samples']:
            gt = data['data_samples'].gt_sem_seg.data[0].numpy()
            if gt.shape == label.shape:
                scorer.add(label, gt)
                scored += 1
    print(f'wrote {count} pseudo-labels to {args.out_dir}')
    if scored:
        print(f'mIoU of the pseudo-labels ({scored} images): '
              f'{scorer.miou():.2f}')


if __name__ == '__main__':
    main()
