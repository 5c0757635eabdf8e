"""SPML stage 2: pseudo-labels of a training set from a stage-1 model.

    python tools/spml_pseudo_labels.py CONFIG CHECKPOINT OUT_DIR
        [--num-steps 64] [--beta 20] [--gamma 5] [--crf] [--restrict-to-tags]
        [--retrieval] [--split train|val] [--limit N] [--batch-size 8]
        [--device cpu|cuda] [--cfg-options ...]

For every image: the stage-1 embeddings and classifier (S1) logits, a random
walk on the embedding affinities (Algorithm 1, lines 2-4; ``--num-steps 64``
is SPML's code, 6 its paper), optional DenseCRF (``--crf``), arg-max
pseudo-labels. ``--restrict-to-tags`` zeroes the classes outside an image's
tags (background kept), for tags and boxes. ``--retrieval`` adds Algorithm 2's
nearest-neighbour retrieval: a first pass collects the labelled segment
prototypes of the training set, a second relabels each segment of an image
with its nearest prototype among the image's tags.

The embeddings and S1 logits come from :func:`mmwsss.apis.inference_dataset`
(``--batch-size`` images of one size per forward pass). Writes
``OUT_DIR/NAME.png`` and prints the mIoU (mmseg's ``IoUMetric``) of the
pseudo-labels against the dense masks where the dataset has them. A stage-2
config reads them with ``weak_ann=dict(type='label_map', dir=OUT_DIR)`` and
``SPMLHead(train_embedding=False)`` (see ``configs/spml/*stage2*.py``).
"""
import argparse
import os
import os.path as osp

import cv2
import torch
import torch.nn.functional as F
from mmengine.config import DictAction
from mmseg.evaluation import IoUMetric
from tqdm import tqdm

from mmwsss.apis import (collect_prototypes, inference_dataset,
                         init_spml_model, pseudo_labels,
                         refine_with_random_walk, retrieve_labels)
from mmwsss.datasets.transforms import loading_steps
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules


def parse_args(argv=None):
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
    parser.add_argument('--batch-size', type=int, default=8,
                        help='images per forward pass (images of one size)')
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def build_dataset(cfg, split):
    ds_cfg = cfg[f'{split}_dataloader'].dataset.copy()
    ds_cfg.pipeline = loading_steps(ds_cfg.pipeline) + [
        dict(type='PackWeakSegInputs', target='dense')
    ]
    return DATASETS.build(ds_cfg)


def main(argv=None):
    """Writes the pseudo-labels; returns their mIoU against the dense masks
    (None without dense masks)."""
    args = parse_args(argv)
    register_all_modules()
    cfg, model = init_spml_model(args.config, args.checkpoint, args.device,
                                 args.cfg_options)
    head = model.decode_head
    dataset = build_dataset(cfg, args.split)
    classes = dataset.metainfo['classes']
    num_classes = len(classes)
    count = len(dataset) if args.limit is None else min(args.limit,
                                                        len(dataset))
    os.makedirs(args.out_dir, exist_ok=True)
    crf = dict() if args.crf else None

    def refined_images(desc):
        """Embeddings, random-walk scores and allowed classes per image."""
        for res in tqdm(inference_dataset(model, dataset,
                                          ('embeddings', 'logits'),
                                          args.batch_size, range(count)),
                        total=count, desc=desc):
            sample = res['data_sample']
            emb, logits = res['embeddings'][None], res['logits'][None]
            allowed = None
            if args.restrict_to_tags and 'gt_tags' in sample:
                allowed = sample.gt_tags.to(logits)[None].clone()
                allowed[:, 0] = 1  # background
            # S1 logits (softmax inside), or probabilities within the tags
            scores = logits if allowed is None else logits.softmax(1)
            refined = refine_with_random_walk(emb, scores, args.num_steps,
                                              args.beta, args.gamma,
                                              tags=allowed)
            yield sample, emb, refined, allowed

    bank = None
    if args.retrieval:
        protos, labels = [], []
        for _, emb, refined, _ in refined_images('prototypes'):
            p, lab = collect_prototypes(emb, refined.argmax(1), num_classes,
                                        head.kmeans_grid)
            protos.append(p)
            labels.append(lab)
        bank = torch.cat(protos), torch.cat(labels)

    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=classes)
    for sample, emb, refined, allowed in refined_images('pseudo-labels'):
        ori = tuple(sample.metainfo['ori_shape'][:2])
        if bank is not None:
            tags = allowed if allowed is not None else F.one_hot(
                refined.argmax(1).flatten().unique(),
                num_classes).sum(0, keepdim=True).clamp(max=1)
            lab = retrieve_labels(emb, refined.argmax(1), bank[0], bank[1],
                                  tags, num_classes, head.kmeans_grid)[0]
            lab = torch.where(lab >= 0, lab, refined.argmax(1)[0])
            refined = F.one_hot(lab, num_classes).permute(2, 0, 1)[None]
            refined = refined.float()
        image = None
        if crf is not None:
            image = cv2.imread(sample.metainfo['img_path'])[..., ::-1].copy()
        label = pseudo_labels(refined[0], ori, image, crf)
        name = osp.splitext(osp.basename(sample.metainfo['img_path']))[0]
        cv2.imwrite(osp.join(args.out_dir, name + '.png'), label)
        if 'gt_sem_seg' in sample and tuple(
                sample.gt_sem_seg.shape) == label.shape:
            metric.process(None, [
                dict(pred_sem_seg=dict(data=torch.from_numpy(label)),
                     gt_sem_seg=dict(data=sample.gt_sem_seg.data.cpu()))
            ])
    print(f'wrote {count} pseudo-labels to {args.out_dir}')
    if not metric.results:
        return None
    miou = float(metric.compute_metrics(metric.results)['mIoU'])
    print(f'mIoU of the pseudo-labels ({len(metric.results)} images): '
          f'{miou:.2f}')
    return miou


if __name__ == '__main__':
    main()
