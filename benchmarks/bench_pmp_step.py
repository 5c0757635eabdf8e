"""Cost of a PMP training iteration against partial cross-entropy on the same
network.

    .venv/bin/python benchmarks/bench_pmp_step.py [--repeat 7] [--warmup 2]
        [--networks lite0 r50] [--out benchmarks/results/pmp_step_cpu.json]

For each network the PMP config's model (``PMPHead`` around the decoder,
``ImageGuidedEncoderDecoder``) and the same network trained with partial
cross-entropy on the points (the decoder itself as mmseg's decode head,
``EncoderDecoder``) run ``train_step`` (forward, backward, SGD step) on the
same batches: real CamVid training batches of the PMP config's pipeline
(8 crops of 176x176 with points and point blots, collated before timing; the
blots come from the cache the pipeline fills, as in training). Repeats are
interleaved (partial CE, PMP, partial CE, ...) after ``--warmup`` steps of
each; the medians are reported with their ratio, and the median time of
PMP's pseudo-mask step alone (``PMPHead.pseudo_masks``: refiner, distance
fields, threshold, blots) on the same batches.

Networks: ``lite0`` is configs/pmp/pmp_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176.py
(EfficientNet-Lite0, output stride 16, ASPP of 128 channels); ``r50`` is
configs/pmp/pmp_fcn_r50-ws-gn-d8_1xb8-1k_camvid-176x176.py (ResNet-50 with
WS + GN, output stride 8, FCN head).
"""
import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = dict(
    lite0='configs/pmp/pmp_deeplabv3_lite0-d16_1xb8-1k_camvid-176x176.py',
    r50='configs/pmp/pmp_fcn_r50-ws-gn-d8_1xb8-1k_camvid-176x176.py')


def pce_model_cfg(pmp_model: dict) -> dict:
    """The PMP model's network trained with partial cross-entropy."""
    cfg = copy.deepcopy(pmp_model)
    head = cfg['decode_head']
    decoder = copy.deepcopy(head['decoder'])
    decoder.update(num_classes=head['num_classes'],
                   loss_decode=head['loss_decode'])
    cfg['decode_head'] = decoder
    cfg['type'] = 'EncoderDecoder'
    return cfg


def batches(cfg, num_batches: int):
    from mmengine.dataset import pseudo_collate

    from mmwsss.registry import DATASETS
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg['data_root'] = os.path.join(REPO, ds_cfg['data_root'])
    dataset = DATASETS.build(ds_cfg)
    size = cfg.train_dataloader.batch_size
    g = torch.Generator().manual_seed(0)
    order = torch.randperm(len(dataset), generator=g).tolist()
    return [
        pseudo_collate([dataset[i] for i in order[b * size:(b + 1) * size]])
        for b in range(num_batches)
    ]


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(name: str, repeat: int, warmup: int) -> dict:
    from mmengine.config import Config
    from mmengine.optim import OptimWrapper

    from mmwsss.registry import MODELS
    cfg = Config.fromfile(os.path.join(REPO, CONFIGS[name]))
    data = batches(cfg, warmup + repeat)
    torch.manual_seed(0)
    models = dict(pce=MODELS.build(pce_model_cfg(cfg.model)),
                  pmp=MODELS.build(copy.deepcopy(cfg.model)))
    wrappers = {
        k: OptimWrapper(torch.optim.SGD(m.parameters(), lr=1e-3,
                                        momentum=0.9))
        for k, m in models.items()
    }
    for m in models.values():
        m.train()
    times = dict(pce=[], pmp=[], pseudo_masks=[])
    head = models['pmp'].decode_head
    for i, batch in enumerate(data):
        for k in ('pce', 'pmp'):
            t = timed(lambda: models[k].train_step(batch, wrappers[k]))
            if i >= warmup:
                times[k].append(t)
        if i >= warmup:
            model = models['pmp']
            with torch.no_grad():
                prep = model.data_preprocessor(batch, True)
                logits = head.forward(model.extract_feat(prep['inputs']))
                images = model.unnormalised(prep['inputs'])
            times['pseudo_masks'].append(timed(
                lambda: head.pseudo_masks(logits, images,
                                          prep['data_samples'])))
    med = {k: statistics.median(v) for k, v in times.items()}
    return dict(network=name, config=CONFIGS[name],
                batch=cfg.train_dataloader.batch_size,
                crop=list(cfg.model.data_preprocessor.size),
                median_s=med, ratio=med['pmp'] / med['pce'],
                pseudo_mask_share=med['pseudo_masks'] / med['pmp'],
                times_s=times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--networks', nargs='+', default=['lite0', 'r50'],
                        choices=sorted(CONFIGS))
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--out', default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmwsss.utils import register_all_modules
    register_all_modules()
    rows = []
    for name in args.networks:
        row = bench(name, args.repeat, args.warmup)
        rows.append(row)
        m = row['median_s']
        print(f"{name}: partial CE {m['pce']:.3f} s, PMP {m['pmp']:.3f} s "
              f"(x{row['ratio']:.2f}); pseudo-masks {m['pseudo_masks']:.3f} s"
              f" ({100 * row['pseudo_mask_share']:.1f}% of PMP)", flush=True)
    result = dict(machine=f'{platform.machine()}, {os.cpu_count()} cores, '
                  f'torch {torch.__version__}',
                  threads=torch.get_num_threads(), repeat=args.repeat,
                  warmup=args.warmup, rows=rows)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
