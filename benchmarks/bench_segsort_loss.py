"""SegSort+ loss at the VOC setting: the chunked loss against the dense form.

    .venv/bin/python benchmarks/bench_segsort_loss.py [--device cpu|cuda] [--out FILE.json]

4 images x 128 x 128 pixel embeddings (dimension 64) against 4,096 prototypes
(current batch plus memory bank), semantic-annotation relation over 21 classes,
forward + backward. Each formulation runs in its own process; peak memory is
the growth of the peak RSS (CPU) or ``max_memory_allocated`` (GPU).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make(device):
    g = torch.Generator().manual_seed(0)
    e = F.normalize(torch.randn(4 * 128 * 128, 64, generator=g), dim=1)
    mu = F.normalize(torch.randn(4096, 64, generator=g), dim=1)
    pk = torch.randint(-1, 21, (e.shape[0], ), generator=g)
    sk = torch.randint(-1, 21, (mu.shape[0], ), generator=g)
    return [t.to(device) for t in (e, mu, pk, sk)]


def worker(impl, device, out):
    from mmwsss.models.losses import segsort_plus_loss, segsort_plus_loss_dense
    e, mu, pk, sk = make(device)
    e.requires_grad_()
    mu.requires_grad_()
    fn = segsort_plus_loss if impl == 'chunked' else segsort_plus_loss_dense
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    times = []
    for _ in range(3):
        e.grad = mu.grad = None
        sync()
        t0 = time.perf_counter()
        loss = fn(e, mu, pk, sk, kappa=12.0)
        loss.backward()
        sync()
        times.append(time.perf_counter() - t0)
    peak = (torch.cuda.max_memory_allocated() if device == 'cuda' else
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) - base
    torch.save(dict(time=min(times), peak=peak, loss=float(loss.detach()),
                    grad=e.grad.cpu(), grad_mu=mu.grad.cpu()), out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    parser.add_argument('--result', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.device, args.result)
    res = {}
    for impl in ('chunked', 'dense'):
        with tempfile.NamedTemporaryFile(suffix='.pt') as f:
            subprocess.run([sys.executable, __file__, '--device', args.device,
                            '--worker', impl, '--result', f.name], check=True)
            res[impl] = torch.load(f.name)
    c, d = res['chunked'], res['dense']
    row = dict(
        chunked_s=c['time'], dense_s=d['time'], speedup=d['time'] / c['time'],
        chunked_peak_mib=c['peak'] / 2**20, dense_peak_mib=d['peak'] / 2**20,
        memory_ratio=d['peak'] / max(c['peak'], 1), loss_chunked=c['loss'],
        loss_dense=d['loss'],
        max_grad_diff=float((c['grad'] - d['grad']).abs().max()),
        max_grad_mu_diff=float((c['grad_mu'] - d['grad_mu']).abs().max()))
    print('| formulation | time fwd+bwd (s) | peak MiB | loss |')
    print('| --- | --- | --- | --- |')
    print(f'| chunked (segsort_plus_loss) | {c["time"]:.3f} | {c["peak"] / 2**20:.0f} '
          f'| {c["loss"]:.6f} |')
    print(f'| dense | {d["time"]:.3f} | {d["peak"] / 2**20:.0f} | '
          f'{d["loss"]:.6f} |')
    print(f'speed-up {row["speedup"]:.2f}x, memory {row["memory_ratio"]:.1f}x '
          f'less, max |grad diff| {row["max_grad_diff"]:.2e} (embeddings), '
          f'{row["max_grad_mu_diff"]:.2e} (prototypes)')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(row, f, indent=2)


if __name__ == '__main__':
    main()
