"""HFPL's feature-similarity loss: the windowed loss against the dense form.

    .venv/bin/python benchmarks/bench_fsl.py [--threads 1 2] [--repeat 5]
        [--out benchmarks/results/fsl_cpu.json]

HFPL's SEAM setting: 8 images x 20 classes, 56 x 56 CAMs (bilinearly
upsampled 7 x 7 noise), images at CAM resolution (upsampled 14 x 14 noise),
mu 2.5, sigma 5, forward + backward. ``FeatureSimilarityLoss`` with its
default window (radius 15) against ``feature_similarity_loss_dense`` (all
pairs, (B, hw, hw) tensors). Two sets of labels:

- ``voc``: 1 to 3 present classes per image (VOC averages 1.5);
- ``all``: all 20 classes present, the worst case of the windowed loss,
  whose work grows with the number of present (image, class) pairs (that of
  the dense form does not, so its runs use the ``voc`` labels).

Peak memory: each formulation runs in a fresh subprocess and reports the
growth of its peak resident set size over a first run on an 8 x 8 crop
(which loads the libraries). Time: one process per thread count, a warm-up
of each case, then the repeats interleaved (dense, windowed voc, windowed
all, dense, ...); the median of each. The value difference is that of the
loss, the gradient difference the largest one relative to the largest
gradient of the dense form.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SHAPE = (8, 20, 56, 56)
TAGS = ('voc', 'all')


def make(tagset):
    g = torch.Generator().manual_seed(0)
    B, C, h, w = SHAPE
    cams = F.interpolate(3 * torch.randn(B, C, 7, 7, generator=g),
                         size=(h, w), mode='bilinear', align_corners=False)
    images = F.interpolate(torch.rand(B, 3, 14, 14, generator=g),
                           size=(h, w), mode='bilinear', align_corners=False)
    images = (images + 0.02 * torch.randn(images.shape, generator=g))
    if tagset == 'all':
        tags = torch.ones(B, C, dtype=torch.long)
    else:
        num = torch.randint(1, 4, (B, ), generator=g)
        rank = torch.rand(B, C, generator=g).argsort(1).argsort(1)
        tags = (rank < num[:, None]).long()
    return cams, images.clamp(0, 1), tags


def loss_fn(impl):
    from mmwsss.models.losses.feature_similarity_loss import (
        FeatureSimilarityLoss, feature_similarity_loss_dense)
    if impl == 'dense':
        return feature_similarity_loss_dense
    return FeatureSimilarityLoss(mu=2.5, sigma=5.0, radius=15)


def forward_backward(fn, cams, images, tags):
    cams = cams.clone().requires_grad_()
    loss = fn(cams, images, tags)
    loss.backward()
    return loss.detach(), cams.grad


def memory_worker(impl, tagset, result):
    """Peak RSS growth of one forward + backward, the loss and gradients."""
    fn = loss_fn(impl)
    cams, images, tags = make(tagset)
    forward_backward(fn, cams[..., :8, :8], images[..., :8, :8], tags)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    loss, grad = forward_backward(fn, cams, images, tags)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    out = dict(peak=peak, loss={tagset: float(loss)}, grad={tagset: grad})
    if impl == 'dense':  # its cost does not depend on the labels
        for other in TAGS:
            if other != tagset:
                loss, grad = forward_backward(fn, *make(other))
                out['loss'][other] = float(loss)
                out['grad'][other] = grad
    torch.save(out, result)


def time_worker(repeat, result):
    """Median forward + backward times, repeats interleaved."""
    cases = {'dense': (loss_fn('dense'), make('voc'))}
    for tagset in TAGS:
        cases[f'windowed_{tagset}'] = (loss_fn('windowed'), make(tagset))
    for fn, inputs in cases.values():  # warm-up
        forward_backward(fn, *inputs)
    times = {name: [] for name in cases}
    for _ in range(repeat):
        for name, (fn, inputs) in cases.items():
            t0 = time.perf_counter()
            forward_backward(fn, *inputs)
            times[name].append(time.perf_counter() - t0)
    torch.save(times, result)


def run_worker(*args):
    with tempfile.NamedTemporaryFile(suffix='.pt') as f:
        subprocess.run([sys.executable, __file__, '--result', f.name,
                        '--worker', *map(str, args)], check=True)
        return torch.load(f.name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2],
                        help='torch threads of the timing runs (one row '
                        'each); the memory runs use the first')
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--out', help='write the results as JSON')
    parser.add_argument('--worker', nargs='+', help=argparse.SUPPRESS)
    parser.add_argument('--result', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, threads, *rest = args.worker
        torch.set_num_threads(int(threads))
        if kind == 'memory':
            return memory_worker(*rest, args.result)
        return time_worker(int(rest[0]), args.result)

    mem = {'dense': run_worker('memory', args.threads[0], 'dense', 'voc')}
    for tagset in TAGS:
        mem[tagset] = run_worker('memory', args.threads[0], 'windowed',
                                 tagset)
    for name, res in mem.items():
        print(f'peak {name:6s} {res["peak"] / 2**20:8.1f} MiB', flush=True)
    timings = {}
    for threads in args.threads:
        timings[threads] = run_worker('time', threads, args.repeat)
        print(f'{threads} thread(s): ' + ', '.join(
            f'{k} {statistics.median(v):.3f} s'
            for k, v in timings[threads].items()), flush=True)

    dense = mem['dense']
    labels = dict(voc=make('voc')[2], all=make('all')[2])
    rows = []
    for threads, times in timings.items():
        dense_s = statistics.median(times['dense'])
        for tagset in TAGS:
            win = mem[tagset]
            win_s = statistics.median(times[f'windowed_{tagset}'])
            lw, ld = win['loss'][tagset], dense['loss'][tagset]
            gd = dense['grad'][tagset]
            grad_diff = (win['grad'][tagset] - gd).abs().max() / gd.abs().max()
            rows.append(dict(
                threads=threads, tags=tagset,
                present=int(labels[tagset].sum()),
                windowed_s=win_s, dense_s=dense_s,
                windowed_times_s=times[f'windowed_{tagset}'],
                dense_times_s=times['dense'],
                speedup=dense_s / win_s,
                windowed_peak_mib=win['peak'] / 2**20,
                dense_peak_mib=dense['peak'] / 2**20,
                memory_ratio=dense['peak'] / max(win['peak'], 1),
                loss_windowed=lw, loss_dense=ld,
                rel_diff=abs(lw - ld) / abs(ld),
                max_grad_diff_rel=float(grad_diff)))
    device = (f'{platform.processor() or platform.machine()}, '
              f'{os.cpu_count()} cores')
    B, C, h, w = SHAPE
    print(f'\nFSL {B}x{C}x{h}x{w}, radius 15 against all pairs; device: '
          f'{device}, torch {torch.__version__}; median of {args.repeat}')
    print('| threads | labels (present pairs) | windowed (s) | dense (s) | '
          'speed-up | peak MiB windowed | peak MiB dense | memory ratio | '
          'rel. value diff | rel. max grad diff |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for r in rows:
        print(f'| {r["threads"]} | {r["tags"]} ({r["present"]}) | '
              f'{r["windowed_s"]:.3f} | {r["dense_s"]:.3f} | '
              f'{r["speedup"]:.1f}x | {r["windowed_peak_mib"]:.1f} | '
              f'{r["dense_peak_mib"]:.0f} | {r["memory_ratio"]:.0f}x | '
              f'{r["rel_diff"]:.2%} | {r["max_grad_diff_rel"]:.2%} |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(device=device, torch=torch.__version__,
                           shape=SHAPE, radius=15, mu=2.5, sigma=5.0,
                           repeat=args.repeat, rows=rows), f, indent=2)


if __name__ == '__main__':
    main()
