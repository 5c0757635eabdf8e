"""CamVid: SPML and the partial cross-entropy baseline from derived weak labels,
and full supervision, same backbone, budget and seed; one validation at the
end.

    .venv/bin/python benchmarks/camvid_weak_vs_full.py \
        [--data-root ../shared/data/camvid] [--out benchmarks/results/camvid.md] \
        [--only KEY ...] [--iters N] [--crf-test] [--collect] \
        [--cfg-options train_dataloader.num_workers=8 ...]

Runs ``tools/train.py`` on each config in turn (a GPU is used when present)
and writes a table of the final validation metrics. ``spml-scribbles-stage2``
is SPML's second stage on the ``spml-scribbles`` run of the same work
directory: ``tools/spml_pseudo_labels.py --crf`` writes random-walk + DenseCRF
pseudo-labels of the training images under the work directory, then the
stage-2 config trains the final classifier on the frozen embeddings (its own
200 iterations; ``--iters`` sets stage 1 only) and predicts with DenseCRF.
``--crf-test`` also evaluates every run with DenseCRF on its predictions
(``tools/test.py`` with ``model.type=CRFEncoderDecoder``), and every
stage-2 run without it.
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
    'spml-scribbles-stage2': (
        'scribbles (SPML, stage 2)',
        'configs/spml/spml_r18_1xb8-200it_camvid-176x176_scribble_stage2.py'),
}
# stage 2 key: (stage-1 key, DenseCRF on its own predictions)
STAGE2 = {'spml-scribbles-stage2': 'spml-scribbles'}
CRF_OPTIONS = ['model.type=CRFEncoderDecoder', 'model.crf.num_iters=10']


def work_dir_of(root, key):
    return osp.join(root, osp.basename(CONFIGS[key][1])[:-3])


def last_checkpoint(work_dir):
    ckpts = glob.glob(osp.join(work_dir, 'iter_*.pth'))
    if not ckpts:
        raise FileNotFoundError(f'{work_dir}: no checkpoint (run its stage '
                                'first)')
    return max(ckpts, key=lambda p: int(osp.basename(p)[5:-4]))


def test_metrics(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    rows = [json.loads(line) for line in open(logs[-1])]
    return [r for r in rows if 'mIoU' in r][-1]


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
    parser.add_argument('--crf-test', action='store_true',
                        help='also evaluate each run with DenseCRF (stage 2: '
                        'without it)')
    parser.add_argument('--cfg-options', nargs='*', default=[])
    parser.add_argument('--collect', action='store_true',
                        help='do not train: tabulate the finished runs found '
                        'in --work-dir (with --crf-test, evaluating those '
                        'not evaluated yet)')
    args = parser.parse_args()
    extra = []  # stage-1 iterations
    if args.iters:
        extra += [f'train_cfg.max_iters={args.iters}',
                  f'train_cfg.val_interval={args.iters}',
                  f'param_scheduler.0.end={args.iters}',
                  f'default_hooks.checkpoint.interval={args.iters}']
    data_opts = [f'{split}_dataloader.dataset.data_root={args.data_root}'
                 for split in ('train', 'val', 'test')]
    rows = []
    for key in args.only or list(CONFIGS):
        name, config = CONFIGS[key]
        work_dir = work_dir_of(args.work_dir, key)
        opts = data_opts + list(args.cfg_options)
        if key in STAGE2:
            stage1 = work_dir_of(args.work_dir, STAGE2[key])
            pseudo = osp.join(args.work_dir, 'pseudo_labels', key)
            opts += [f'load_from={last_checkpoint(stage1)}',
                     f'train_dataloader.dataset.weak_ann.dir={pseudo}']
        else:
            opts += extra
        start = time.time()
        if not args.collect:
            if key in STAGE2:
                subprocess.run([
                    sys.executable,
                    osp.join(ROOT, 'tools/spml_pseudo_labels.py'),
                    osp.join(ROOT, CONFIGS[STAGE2[key]][1]),
                    last_checkpoint(stage1), pseudo, '--crf',
                    '--cfg-options'] + data_opts, check=True, cwd=ROOT)
            subprocess.run([
                sys.executable, osp.join(ROOT, 'tools/train.py'),
                osp.join(ROOT, config), '--work-dir', work_dir,
                '--cfg-options'] + opts, check=True, cwd=ROOT)
        m = final_metrics(work_dir)
        secs = None if args.collect else time.time() - start
        other = None
        if args.crf_test:
            # stage 2 predicts with DenseCRF: evaluate it without
            crf = ['model.crf=None'] if key in STAGE2 else CRF_OPTIONS
            test_dir = osp.join(work_dir, 'test_no_crf' if key in STAGE2
                                else 'test_crf')
            if not glob.glob(osp.join(test_dir, '*', '*.json')) or \
                    not args.collect:
                subprocess.run([
                    sys.executable, osp.join(ROOT, 'tools/test.py'),
                    osp.join(ROOT, config), last_checkpoint(work_dir),
                    '--work-dir', test_dir, '--cfg-options'] + opts + crf,
                    check=True, cwd=ROOT)
            other = test_metrics(test_dir)
        plain, with_crf = (other, m) if key in STAGE2 else (m, other)
        rows.append((name, config, plain, with_crf, secs))
        print(f'{name}: mIoU {plain["mIoU"] if plain else float("nan"):.2f}'
              + (f', with DenseCRF {with_crf["mIoU"]:.2f}' if with_crf
                 else ''), flush=True)
    lines = ['| supervision | config | val mIoU | aAcc | F | J&F | '
             'mIoU with DenseCRF | train time |',
             '| --- | --- | --- | --- | --- | --- | --- | --- |']
    for name, config, m, m_crf, secs in rows:
        cells = ['-'] * 4 if m is None else [
            f'{m[k]:.2f}' for k in ('mIoU', 'aAcc', 'F', 'J&F')]
        lines.append(f'| {name} | `{config}` | ' + ' | '.join(cells) + ' | ' +
                     ('-' if m_crf is None else f'{m_crf["mIoU"]:.2f}') +
                     ' | ' + ('-' if secs is None else f'{secs / 60:.1f} min')
                     + ' |')
    table = '\n'.join(lines)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
