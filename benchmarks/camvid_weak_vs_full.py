"""CamVid: SPML and the partial cross-entropy baseline from derived weak labels,
and full supervision, same backbone, budget and seed; one validation at the
end.

    .venv/bin/python benchmarks/camvid_weak_vs_full.py \
        [--data-root ../shared/data/camvid] [--out benchmarks/results/camvid.md] \
        [--cfg-options train_dataloader.num_workers=8 ...]

Runs ``tools/train.py`` on each config in turn (a GPU is used when present)
and writes a table of the final validation metrics.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {  # --only key: (table name, config)
    'points': ('points (partial CE)',
               'configs/baseline/pce_r18_1xb8-1k_camvid-176x176_point.py'),
    'scribbles': (
        'scribbles (partial CE)',
        'configs/baseline/pce_r18_1xb8-1k_camvid-176x176_scribble.py'),
    'spml-points': ('points (SPML)',
                    'configs/spml/spml_r18_1xb8-1k_camvid-176x176_point.py'),
    'spml-scribbles': (
        'scribbles (SPML)',
        'configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py'),
    'full': ('full supervision',
             'configs/baseline/full_r18_1xb8-1k_camvid-176x176.py'),
}


def final_metrics(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', '*.json')))
    rows = [json.loads(line) for line in open(logs[-1])]
    return [r for r in rows if 'mIoU' in r][-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root',
                        default=osp.join(osp.dirname(ROOT), 'shared', 'data',
                                         'camvid'))
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs',
                                                       'camvid_bench'))
    parser.add_argument('--out', help='markdown file for the table')
    parser.add_argument('--iters', type=int, help='training iterations '
                        '(default: the configs\' 1k)')
    parser.add_argument('--only', nargs='*', choices=list(CONFIGS),
                        help='run only these (in this order)')
    parser.add_argument('--cfg-options', nargs='*', default=[])
    parser.add_argument('--collect', action='store_true',
                        help='do not train: tabulate the finished runs found '
                        'in --work-dir')
    args = parser.parse_args()
    extra = list(args.cfg_options)
    if args.iters:
        extra += [f'train_cfg.max_iters={args.iters}',
                  f'train_cfg.val_interval={args.iters}',
                  f'param_scheduler.0.end={args.iters}',
                  f'default_hooks.checkpoint.interval={args.iters}']
    rows = []
    for key in args.only or list(CONFIGS):
        name, config = CONFIGS[key]
        work_dir = osp.join(args.work_dir, osp.basename(config)[:-3])
        cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'),
               osp.join(ROOT, config), '--work-dir', work_dir,
               '--cfg-options',
               f'train_dataloader.dataset.data_root={args.data_root}',
               f'val_dataloader.dataset.data_root={args.data_root}',
               f'test_dataloader.dataset.data_root={args.data_root}'
               ] + extra
        start = time.time()
        if not args.collect:
            subprocess.run(cmd, check=True, cwd=ROOT)
        m = final_metrics(work_dir)
        rows.append((name, config, m,
                     None if args.collect else time.time() - start))
        print(f'{name}: mIoU {m["mIoU"]:.2f}', flush=True)
    lines = ['| supervision | config | val mIoU | aAcc | F | J&F | train time |',
             '| --- | --- | --- | --- | --- | --- | --- |']
    for name, config, m, secs in rows:
        lines.append(f'| {name} | `{config}` | {m["mIoU"]:.2f} | '
                     f'{m["aAcc"]:.2f} | {m["F"]:.2f} | {m["J&F"]:.2f} | '
                     + ('-' if secs is None else f'{secs / 60:.1f} min') +
                     ' |')
    table = '\n'.join(lines)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
