"""Compiled ops against the straightforward formulations, side by side.

    .venv/bin/python benchmarks/bench_ops.py --device cpu  [--out FILE.json]
    python benchmarks/bench_ops.py --device cuda           (on a GPU machine)

- PAMR (batch 16, 21 classes, 81 x 81, dilations 1..24, 10 iterations): the
  compiled local weighted sum against the unfold-based formulation with its
  (B, C, 48, H, W) tensor.
- Random walk (64 x 64 grid, 21 classes, 64-d embeddings from six regions,
  64 steps): iterated ``seeds @ T`` (the compiled CPU kernel, cuBLAS on the
  GPU) against SPML's T^64 by six squarings of the dense 4096 x 4096
  matrix, with the largest difference of the outputs.

Peak memory: on the CPU each case runs in a fresh subprocess and reports the
growth of its peak resident set size; on the GPU ``max_memory_allocated``.
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = {
    'pamr_compiled': ('pamr', 'compiled'),
    'pamr_unfold': ('pamr', 'unfold'),
    'rw_iterated': ('rw', 'compiled'),
    'rw_squaring': ('rw', 'unfold'),
}


def make_inputs(kind, device, batch):
    g = torch.Generator().manual_seed(0)
    if kind == 'pamr':
        img = torch.rand(16, 3, 81, 81, generator=g)
        masks = torch.rand(16, 21, 81, 81, generator=g).softmax(1)
        return img.to(device), masks.to(device)
    # embeddings as a trained head gives them: a few regions per image, one
    # direction per region plus noise, so the walk mixes pixels of a region
    # (independent random 64-d vectors would make T the identity)
    centres = torch.randn(batch, 6, 64, generator=g)
    yy, xx = torch.meshgrid(torch.arange(64), torch.arange(64), indexing='ij')
    seeds_xy = torch.randint(0, 64, (batch, 6, 2), generator=g)
    dist = (yy - seeds_xy[..., :1, None]) ** 2 + \
        (xx - seeds_xy[..., 1:, None]) ** 2  # (batch, 6, 64, 64)
    region = dist.argmin(1)  # Voronoi regions
    emb = torch.gather(centres, 1, region.flatten(1)[..., None].expand(
        -1, -1, 64)).transpose(1, 2).reshape(batch, 64, 64, 64)
    emb = emb + 0.15 * torch.randn(emb.shape, generator=g)
    seeds = torch.rand(batch, 21, 64, 64, generator=g)
    return emb.to(device), seeds.to(device)


def run_case(name, device, repeat, batch):
    from mmwsss.ops import pamr, pamr_reference, random_walk
    from mmwsss.ops import random_walk_reference
    kind, impl = CASES[name]
    inputs = make_inputs(kind, device, batch)
    fn = {
        ('pamr', 'compiled'): lambda: pamr(*inputs),
        ('pamr', 'unfold'): lambda: pamr_reference(*inputs),
        ('rw', 'compiled'): lambda: random_walk(*inputs, num_steps=64),
        ('rw', 'unfold'): lambda: random_walk_reference(*inputs,
                                                        num_steps=64),
    }[(kind, impl)]
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    with torch.no_grad():
        if device == 'cuda':
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
        else:
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        out = fn()  # warm-up, also the peak-memory run
        sync()
        if device == 'cuda':
            peak = torch.cuda.max_memory_allocated() - base
        else:
            peak = resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss * 1024 - base
        times = []
        for _ in range(repeat):
            sync()
            t0 = time.perf_counter()
            fn()
            sync()
            times.append(time.perf_counter() - t0)
    return dict(time_s=min(times), peak_bytes=int(peak),
                out=out.float().cpu())


def worker(args):
    res = run_case(args.worker, args.device, args.repeat, args.batch)
    torch.save(res, args.result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--rw-batch', type=int, default=1,
                        help='images in the random-walk case')
    parser.add_argument('--out', help='write the results as JSON')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    parser.add_argument('--result', help=argparse.SUPPRESS)
    parser.add_argument('--batch', type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    import tempfile
    from mmwsss.ops import load_ext
    assert load_ext() is not None, 'build mmwsss._ext first'
    results = {}
    for name, (kind, _) in CASES.items():
        repeat = args.repeat if name != 'rw_squaring' or args.device == 'cuda' \
            else 1
        with tempfile.NamedTemporaryFile(suffix='.pt') as f:
            cmd = [sys.executable, __file__, '--device', args.device,
                   '--worker', name, '--result', f.name, '--repeat',
                   str(repeat), '--batch', str(args.rw_batch)]
            subprocess.run(cmd, check=True)
            results[name] = torch.load(f.name)
        print(f'{name:14s} {results[name]["time_s"]:8.3f} s  peak '
              f'{results[name]["peak_bytes"] / 2**20:8.1f} MiB', flush=True)
    rows = []
    for kind, label in (('pamr', 'PAMR 16x21x81x81, 10 it'),
                        ('rw', f'random walk {args.rw_batch}x64x64, 21 cl, '
                         '64 steps')):
        fast = results['pamr_compiled' if kind == 'pamr' else 'rw_iterated']
        slow = results['pamr_unfold' if kind == 'pamr' else 'rw_squaring']
        diff = (fast['out'] - slow['out']).abs().max().item()
        rows.append(dict(
            case=label, fast_s=fast['time_s'], slow_s=slow['time_s'],
            speedup=slow['time_s'] / fast['time_s'],
            fast_peak_mib=fast['peak_bytes'] / 2**20,
            slow_peak_mib=slow['peak_bytes'] / 2**20,
            memory_ratio=slow['peak_bytes'] / max(fast['peak_bytes'], 1),
            max_abs_diff=diff))
    device = (torch.cuda.get_device_name() if args.device == 'cuda' else
              f'{platform.processor() or platform.machine()}, '
              f'{torch.get_num_threads()} threads')
    print(f'\ndevice: {device}, torch {torch.__version__}')
    print('| case | compiled (s) | straightforward (s) | speed-up | peak MiB '
          'compiled | peak MiB straightforward | memory ratio | max abs diff |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for r in rows:
        print(f'| {r["case"]} | {r["fast_s"]:.3f} | {r["slow_s"]:.3f} | '
              f'{r["speedup"]:.1f}x | {r["fast_peak_mib"]:.0f} | '
              f'{r["slow_peak_mib"]:.0f} | {r["memory_ratio"]:.1f}x | '
              f'{r["max_abs_diff"]:.2e} |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(device=device, torch=torch.__version__, rows=rows),
                      f, indent=2)


if __name__ == '__main__':
    main()
