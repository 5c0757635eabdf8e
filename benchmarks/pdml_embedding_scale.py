"""Scale of PDML's embeddings under the points: how far the trained features
are from the triplet loss's margin.

    .venv/bin/python benchmarks/pdml_embedding_scale.py CONFIG \\
        NAME=CHECKPOINT [NAME=CHECKPOINT ...] [--batches 4] \\
        [--out benchmarks/results/camvid/pdml_embedding_scale.md]

CONFIG is a PDML config (``PDMLHead``); each checkpoint is loaded into its
model (``NAME=init``: the initialised model, e.g. ImageNet weights;
``strict=False``: a partial-CE checkpoint of the same network fills
the backbone, which is all ``embedding='backbone'`` reads; a missing backbone
key is an error). On the same ``--batches`` training batches of CONFIG's
pipeline (fixed order and augmentation seed) the embeddings ``f`` under the
points are sampled as in training (``PDMLHead.embed``, ``point_embeddings``)
and the tool reports, per checkpoint, the mean embedding norm and the mean
distance of the cross-image positive pairs (same class, other image) and
negative pairs (other class, other image): the pairs the triplets are drawn
from. The triplet loss ``alpha d_p + beta max(d_p - d_n + m, 0)`` has
``alpha = 0.8``, ``m = 20``: while ``d_n - d_p < m`` every triplet's hinge is
active.
"""
import argparse
import json
import os
import random
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_pmp_step import REPO, batches  # noqa: E402


def pair_stats(model, data) -> dict:
    from mmwsss.models.decode_heads.pdml_head import point_embeddings
    from mmwsss.models.utils.sample_fields import sample_points
    head = model.decode_head
    norms, pos, neg = [], [], []
    with torch.no_grad():
        for batch in data:
            prep = model.data_preprocessor(batch, True)
            emb = head.embed(model.extract_feat(prep['inputs']))
            samples = prep['data_samples']
            points = sample_points(samples, head.num_classes, emb.device)
            size = tuple(prep['inputs'].shape[2:])
            e, ids = point_embeddings(emb, [p for p, _ in points], size,
                                      head.align_corners)
            labels = torch.cat([lab for _, lab in points])
            d = torch.cdist(e.double(), e.double())
            cross = ids[:, None] != ids[None]
            same = labels[:, None] == labels[None]
            norms.append(e.norm(dim=1))
            pos.append(d[cross & same])
            neg.append(d[cross & ~same])
    norms, pos, neg = (torch.cat(v) for v in (norms, pos, neg))
    return dict(points=len(norms), norm=norms.mean().item(),
                d_pos=pos.mean().item(), d_neg=neg.mean().item(),
                gap=(neg.mean() - pos.mean()).item())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='+', metavar='NAME=CHECKPOINT')
    parser.add_argument('--batches', type=int, default=4)
    parser.add_argument('--out')
    args = parser.parse_args()
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    from mmwsss.registry import MODELS
    from mmwsss.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if cfg.model.decode_head.type != 'PDMLHead':
        parser.error(f'{args.config}: not a PDML config (decode head '
                     f'{cfg.model.decode_head.type})')
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    data = batches(cfg, args.batches)
    rows = []
    for item in args.checkpoints:
        name, _, path = item.partition('=')
        if not path:
            parser.error(f'{item}: expected NAME=CHECKPOINT')
        model = MODELS.build(cfg.model)
        model.init_weights()
        if path != 'init':
            state = torch.load(path, map_location='cpu', weights_only=False)
            state = state.get('state_dict', state)
            missing = [k for k, _ in model.named_parameters()
                       if k.startswith('backbone.') and k not in state]
            if missing:
                raise SystemExit(f'{path}: no backbone weights for this '
                                 f'model (first missing: {missing[:3]})')
            load_checkpoint(model, path, map_location='cpu', strict=False,
                            logger='silent')
            path = os.path.relpath(path, REPO)
        model.eval()
        rows.append(dict(name=name, checkpoint=path,
                         **pair_stats(model, data)))
        print(rows[-1], flush=True)
    lines = [
        f'`{os.path.relpath(args.config, REPO)}`, {args.batches} training '
        f'batches, embeddings `{cfg.model.decode_head.get("embedding", "backbone")}`',
        '',
        '| checkpoint | points | mean norm | d_pos (cross-image) | '
        'd_neg (cross-image) | d_neg - d_pos |',
        '| --- | --- | --- | --- | --- | --- |'
    ] + [
        f'| {r["name"]} | {r["points"]} | {r["norm"]:.2f} | '
        f'{r["d_pos"]:.2f} | {r["d_neg"]:.2f} | {r["gap"]:.2f} |'
        for r in rows
    ]
    print('\n'.join(lines))
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        with open(os.path.splitext(args.out)[0] + '.json', 'w') as f:
            json.dump(dict(config=args.config, batches=args.batches,
                           rows=rows), f, indent=1)


if __name__ == '__main__':
    main()
