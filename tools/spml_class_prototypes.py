"""SPML: exact class prototypes of a trained model over its training set.

    python tools/spml_class_prototypes.py CONFIG CHECKPOINT OUT_CHECKPOINT
        [--split train|val] [--limit N] [--batch-size 8] [--device cpu|cuda]
        [--cfg-options ...]

Every training image is embedded once (no augmentation, by
:func:`mmwsss.apis.inference_dataset`); the unit prototype of a class is the
normalised sum of the embeddings of the embedding cells whose labelled pixels
(weak labels, or the label-map pseudo-labels of a stage-2 config) are mostly
of that class. They replace the head's moving average
(``decode_head.class_prototypes``) in a copy of the checkpoint; predict with
them with ``model.decode_head.predict_with=prototypes``:

    python tools/test.py CONFIG OUT_CHECKPOINT \
        --cfg-options model.decode_head.predict_with=prototypes

A class without a labelled pixel keeps a zero prototype and is never
predicted (a warning names it).
"""
import argparse
import os
import os.path as osp

import torch
import torch.nn.functional as F
from mmengine.config import DictAction
from tqdm import tqdm

from mmwsss.apis import inference_dataset, init_spml_model
from mmwsss.datasets.transforms import loading_steps
from mmwsss.models.utils import class_embedding_sums, downsample_labels
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out_checkpoint')
    parser.add_argument('--split', default='train', choices=['train', 'val'])
    parser.add_argument('--limit', type=int, help='first N images only')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='images per forward pass (images of one size)')
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    cfg, model = init_spml_model(args.config, args.checkpoint, args.device,
                                 args.cfg_options)
    head = model.decode_head
    ds_cfg = cfg[f'{args.split}_dataloader'].dataset.copy()
    ds_cfg.pipeline = loading_steps(ds_cfg.pipeline, with_seg=False) + [
        dict(type='PackWeakSegInputs')
    ]
    dataset = DATASETS.build(ds_cfg)
    count = len(dataset) if args.limit is None else min(args.limit,
                                                        len(dataset))
    C, D = head.class_prototypes.shape
    sums = torch.zeros(C, D, dtype=torch.float64)
    counts = torch.zeros(C, dtype=torch.float64)
    for res in tqdm(inference_dataset(model, dataset, ('embeddings', ),
                                      args.batch_size, range(count)),
                    total=count, desc='class prototypes'):
        emb = res['embeddings'][None]
        gt = res['data_sample'].gt_sem_seg.data.long().to(emb.device)
        # majority of the labelled pixels under each embedding cell
        labels = downsample_labels(gt, emb.shape[-2:], C, head.ignore_index)
        s, n = class_embedding_sums(emb, labels, C)
        sums += s.double().cpu()
        counts += n.double().cpu()
    protos = F.normalize(sums, dim=1).float()
    classes = dataset.metainfo['classes']
    missing = [classes[c] for c in range(C) if counts[c] == 0]
    if missing:
        print(f'warning: no labelled pixel of {missing}; these classes keep '
              'a zero prototype and are never predicted')
    ckpt = torch.load(args.checkpoint, map_location='cpu',
                      weights_only=False)
    state = ckpt.get('state_dict', ckpt)
    state['decode_head.class_prototypes'] = protos
    os.makedirs(osp.dirname(osp.abspath(args.out_checkpoint)), exist_ok=True)
    torch.save(ckpt, args.out_checkpoint)
    print(f'class prototypes from {count} images ({int(counts.sum())} '
          f'labelled pixels at the embedding size) written to '
          f'{args.out_checkpoint}')
    for c in range(C):
        print(f'  {classes[c]:>12s}: {int(counts[c])} pixels')


if __name__ == '__main__':
    main()
