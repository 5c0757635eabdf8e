"""Compiled ops against the straightforward formulations, side by side.

    .venv/bin/python benchmarks/bench_ops.py --device cpu  [--out FILE.json]
        [--cases rw_iterated rw_rows ...]
    python benchmarks/bench_ops.py --device cuda           (on a GPU machine)

- PAMR (batch 16, 21 classes, 81 x 81, dilations 1..24, 10 iterations): the
  compiled local weighted sum against the unfold-based formulation with its
  (B, C, 48, H, W) tensor.
- Random walk (64 x 64 grid, 21 classes, 64-d embeddings from six regions,
  64 steps): iterated ``seeds @ T`` (the compiled CPU kernel, cuBLAS on the
  GPU) against SPML's T^64 by six squarings of the dense 4096 x 4096
  matrix, with the largest difference of the outputs.
- The colour random walk of the pseudo-masks (one 240 x 180 image, 11
  classes, 3 x 3 window, 100 steps, seeds clamped): the fused ``local_walk``
  kernel (all steps in one call) against one compiled local weighted sum and
  one ``torch.where`` per step.
- The same random walk with ``max_elements`` below one image's N x N
  (``--rw-max-elements``, default 2**22: blocks of 1024 rows of the affinity
  matrix, recomputed at every step) against the same squaring.

Peak memory: on the CPU each case runs in a fresh subprocess and reports the
growth of its peak resident set size over a first run on an 8 x 8 crop (which
loads the extension and the libraries); on the GPU ``max_memory_allocated``.
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
    'rw_rows': ('rw', 'rows'),
    'cwalk_fused': ('cwalk', 'compiled'),
    'cwalk_steps': ('cwalk', 'steps'),
}


def make_inputs(kind, device, batch):
    g = torch.Generator().manual_seed(0)
    if kind == 'pamr':
        img = torch.rand(16, 3, 81, 81, generator=g)
        masks = torch.rand(16, 21, 81, 81, generator=g).softmax(1)
        return img.to(device), masks.to(device)
    if kind == 'cwalk':
        img = torch.rand(1, 3, 180, 240, generator=g)
        seeds = torch.zeros(1, 11, 180, 240)
        ys = torch.randint(0, 180, (40, ), generator=g)
        xs = torch.randint(0, 240, (40, ), generator=g)
        seeds[0, torch.arange(40) % 11, ys, xs] = 1
        return img.to(device), seeds.to(device)
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


def run_case(name, device, repeat, batch, max_elements=2**22):
    from mmwsss.ops import pamr, pamr_reference, random_walk
    from mmwsss.ops import random_walk_color, random_walk_reference
    from mmwsss.ops.random_walk import color_transition, local_weighted_sum

    def color_walk_steps(img, seeds, num_steps=100):
        weight, offsets = color_transition(img, 1, 0.1)
        labelled = seeds.sum(1, keepdim=True) > 0
        out = seeds
        for _ in range(num_steps):
            out = torch.where(labelled, seeds,
                              local_weighted_sum(out, weight, offsets))
        return out

    kind, impl = CASES[name]
    inputs = make_inputs(kind, device, batch)
    op = {
        ('pamr', 'compiled'): pamr,
        ('pamr', 'unfold'): pamr_reference,
        ('rw', 'compiled'): lambda *x: random_walk(*x, num_steps=64),
        ('rw', 'unfold'): lambda *x: random_walk_reference(*x, num_steps=64),
        ('rw', 'rows'): lambda *x: random_walk(
            *x, num_steps=64, max_elements=max_elements),
        ('cwalk', 'compiled'): lambda *x: random_walk_color(
            *x, num_steps=100),
        ('cwalk', 'steps'): color_walk_steps,
    }[(kind, impl)]
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    with torch.no_grad():
        # load the extension and the libraries on an 8 x 8 crop first: the
        # peak then counts the op's own buffers
        op(*[t[:1, :, :8, :8] for t in inputs])
        sync()
        fn = lambda: op(*inputs)  # noqa: E731
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
    res = run_case(args.worker, args.device, args.repeat, args.batch,
                   args.rw_max_elements)
    torch.save(res, args.result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--rw-batch', type=int, default=1,
                        help='images in the random-walk case')
    parser.add_argument('--rw-max-elements', type=int, default=2**22,
                        help='max_elements of the row-block random-walk case')
    parser.add_argument('--cases', nargs='+', choices=list(CASES),
                        default=list(CASES),
                        help='cases to run (default: all); a comparison row '
                        'needs both of its cases')
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
    for name in args.cases:
        repeat = args.repeat if name != 'rw_squaring' or args.device == 'cuda' \
            else 1
        with tempfile.NamedTemporaryFile(suffix='.pt') as f:
            cmd = [sys.executable, __file__, '--device', args.device,
                   '--worker', name, '--result', f.name, '--repeat',
                   str(repeat), '--batch', str(args.rw_batch),
                   '--rw-max-elements', str(args.rw_max_elements)]
            subprocess.run(cmd, check=True)
            results[name] = torch.load(f.name)
        print(f'{name:14s} {results[name]["time_s"]:8.3f} s  peak '
              f'{results[name]["peak_bytes"] / 2**20:8.1f} MiB', flush=True)
    rows = []
    rw = f'random walk {args.rw_batch}x64x64, 21 cl, 64 steps'
    for fast, slow, label in (
            ('pamr_compiled', 'pamr_unfold', 'PAMR 16x21x81x81, 10 it'),
            ('cwalk_fused', 'cwalk_steps',
             'colour random walk 1x11x180x240, 100 steps'),
            ('rw_iterated', 'rw_squaring', rw),
            ('rw_rows', 'rw_squaring',
             f'{rw}, max_elements={args.rw_max_elements} (row blocks)')):
        if fast not in results or slow not in results:
            continue
        fast, slow = results[fast], results[slow]
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
