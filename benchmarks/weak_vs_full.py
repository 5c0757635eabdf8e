"""SPML and the partial cross-entropy baseline from weak labels, and full
supervision, same backbone, budget and seed; one validation at the end.

    .venv/bin/python benchmarks/weak_vs_full.py --suite camvid|toy \\
        [--data-root DIR] [--out benchmarks/results/SUITE.md] \\
        [--only KEY ...] [--iters N] [--crf-test] [--collect] \\
        [--cfg-options train_dataloader.num_workers=8 ...]

Suites: ``camvid`` (``data/camvid``, weak labels derived from the masks,
ResNet-18 from scratch, 1k iterations) and ``toy`` (the embedded toy set,
written to ``data/toy`` when missing; real weak-label files, 400
iterations).

Each key is one row: a training run (``tools/train.py``; a GPU is used when
present) or a later step on the run of another key in the same work
directory:

- ``spml-*-prototypes``: ``tools/spml_class_prototypes.py`` computes the
  class prototypes of the SPML run over its training set, and the run is
  evaluated predicting with them (``predict_with=prototypes``);
- ``spml-scribbles-s1``: the softmax classifier S1 retrained from the weak
  labels on the frozen embeddings of the SPML run (200 iterations);
- ``spml-scribbles-stage2``: ``tools/spml_pseudo_labels.py --crf`` writes
  random-walk + DenseCRF pseudo-labels of the training images under the work
  directory, then the final classifier S2 is trained on the frozen
  embeddings (200 iterations) and predicts with DenseCRF.

``--iters`` sets the iterations of the training runs that start from
scratch. ``--crf-test`` also evaluates every row with DenseCRF on its
predictions (``model.type=CRFEncoderDecoder``), and stage 2 without it.
``--collect`` trains nothing: it tabulates the finished runs (running the
evaluations that are missing).
"""
import argparse
import glob
import json
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# key: (table name, config, kind, key of the run it builds on)
CAMVID = {
    'points': ('points (partial CE)',
               'configs/baseline/pce_r18_1xb8-1k_camvid-176x176_point.py',
               'train', None),
    'scribbles': (
        'scribbles (partial CE)',
        'configs/baseline/pce_r18_1xb8-1k_camvid-176x176_scribble.py',
        'train', None),
    'spml-points': ('points (SPML, S1 classifier)',
                    'configs/spml/spml_r18_1xb8-1k_camvid-176x176_point.py',
                    'train', None),
    'spml-points-prototypes': (
        'points (SPML, class prototypes)',
        'configs/spml/spml_r18_1xb8-1k_camvid-176x176_point.py',
        'prototypes', 'spml-points'),
    'spml-scribbles': (
        'scribbles (SPML, S1 classifier)',
        'configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py', 'train',
        None),
    'spml-scribbles-prototypes': (
        'scribbles (SPML, class prototypes)',
        'configs/spml/spml_r18_1xb8-1k_camvid-176x176_scribble.py',
        'prototypes', 'spml-scribbles'),
    'spml-scribbles-s1': (
        'scribbles (SPML, S1 retrained on frozen embeddings)',
        'configs/spml/spml_r18_1xb8-200it_camvid-176x176_scribble_s1.py',
        'follow', 'spml-scribbles'),
    'spml-scribbles-stage2': (
        'scribbles (SPML, stage 2: S2 on pseudo-labels)',
        'configs/spml/spml_r18_1xb8-200it_camvid-176x176_scribble_stage2.py',
        'stage2', 'spml-scribbles'),
    'full': ('full supervision',
             'configs/baseline/full_r18_1xb8-1k_camvid-176x176.py', 'train',
             None),
}
TOY = {
    'points': ('points (partial CE)',
               'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py',
               'train', None),
    'scribbles': (
        'scribbles (partial CE)',
        'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_scribble.py',
        'train', None),
    'boxes': ('boxes (partial CE)',
              'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_box.py',
              'train', None),
    'boxes-pseudo': (
        'boxes (partial CE on auto pseudo-masks)',
        'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_box-pseudo.py',
        'train', None),
    'spml-points': (
        'points (SPML, S1 classifier)',
        'configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_point.py', 'train',
        None),
    'spml-points-prototypes': (
        'points (SPML, class prototypes)',
        'configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_point.py',
        'prototypes', 'spml-points'),
    'spml-scribbles': (
        'scribbles (SPML, S1 classifier)',
        'configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py',
        'train', None),
    'spml-scribbles-prototypes': (
        'scribbles (SPML, class prototypes)',
        'configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py',
        'prototypes', 'spml-scribbles'),
    'spml-scribbles-stage2': (
        'scribbles (SPML, stage 2: S2 on pseudo-labels)',
        'configs/spml/spml_r18-tiny_1xb8-200it_toy-64x64_scribble_stage2.py',
        'stage2', 'spml-scribbles'),
    'full': ('full supervision',
             'configs/baseline/full_r18-tiny_1xb8-400it_toy-64x64.py', 'train',
             None),
}
SUITES = dict(camvid=CAMVID, toy=TOY)
CRF_OPTIONS = ['model.type=CRFEncoderDecoder', 'model.crf.num_iters=10']


def work_dir_of(rows, root, key):
    config, kind = rows[key][1], rows[key][2]
    name = osp.basename(config)[:-3]
    return osp.join(root, name + ('_prototypes' if kind == 'prototypes'
                                  else ''))


def last_checkpoint(work_dir):
    ckpts = glob.glob(osp.join(work_dir, 'iter_*.pth'))
    if not ckpts:
        raise FileNotFoundError(f'{work_dir}: no checkpoint (run its stage '
                                'first)')
    return max(ckpts, key=lambda p: int(osp.basename(p)[5:-4]))


def read_metrics(pattern):
    logs = sorted(glob.glob(pattern))
    if not logs:
        raise FileNotFoundError(f'{pattern}: no metrics (run it first)')
    rows = [json.loads(line) for line in open(logs[-1])]
    return [r for r in rows if 'mIoU' in r][-1]


def run(cmd):
    subprocess.run([sys.executable] + cmd, check=True, cwd=ROOT)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--suite', choices=list(SUITES), default='camvid')
    parser.add_argument('--data-root',
                        help='default: data/<suite> (the toy set is written '
                        'there when missing)')
    parser.add_argument('--work-dir',
                        help='default: work_dirs/<suite>_bench')
    parser.add_argument('--out', help='markdown file for the table')
    parser.add_argument('--iters', type=int, help='iterations of the runs '
                        'from scratch (default: the configs\' 1k)')
    parser.add_argument('--only', nargs='*',
                        help='run only these keys (in this order)')
    parser.add_argument('--crf-test', action='store_true',
                        help='also evaluate each row with DenseCRF (stage 2: '
                        'without it)')
    parser.add_argument('--cfg-options', nargs='*', default=[])
    parser.add_argument('--collect', action='store_true',
                        help='train nothing: tabulate the finished runs found '
                        'in --work-dir (running missing evaluations)')
    args = parser.parse_args()
    suite_rows = SUITES[args.suite]
    unknown = set(args.only or ()) - set(suite_rows)
    if unknown:
        parser.error(f'unknown keys {sorted(unknown)} for suite '
                     f'{args.suite}: {list(suite_rows)}')
    args.data_root = args.data_root or osp.join(ROOT, 'data', args.suite)
    args.work_dir = args.work_dir or osp.join(ROOT, 'work_dirs',
                                              f'{args.suite}_bench')
    if args.suite == 'toy' and not osp.isdir(args.data_root):
        from mmwsss.datasets import make_toy_dataset
        make_toy_dataset(args.data_root)
    scratch = []
    if args.iters:
        scratch = [f'train_cfg.max_iters={args.iters}',
                   f'train_cfg.val_interval={args.iters}',
                   f'param_scheduler.0.end={args.iters}',
                   f'default_hooks.checkpoint.interval={args.iters}']
    data_opts = [f'{split}_dataloader.dataset.data_root={args.data_root}'
                 for split in ('train', 'val', 'test')]
    results = []
    for key in args.only or list(suite_rows):
        name, config, kind, base = suite_rows[key]
        config = osp.join(ROOT, config)
        work_dir = work_dir_of(suite_rows, args.work_dir, key)
        opts = data_opts + list(args.cfg_options)
        base_ckpt = None if base is None else last_checkpoint(
            work_dir_of(suite_rows, args.work_dir, base))
        start = time.time()
        if kind == 'train':
            opts += scratch
        elif kind in ('follow', 'stage2'):
            opts += [f'load_from={base_ckpt}']
        if kind == 'stage2':
            pseudo = osp.join(args.work_dir, 'pseudo_labels', key)
            opts += [f'train_dataloader.dataset.weak_ann.dir={pseudo}']
            if not args.collect:
                run([osp.join(ROOT, 'tools/spml_pseudo_labels.py'),
                     osp.join(ROOT, suite_rows[base][1]), base_ckpt, pseudo,
                     '--crf', '--cfg-options'] + data_opts)
        if kind == 'prototypes':
            ckpt = osp.join(work_dir, 'class_prototypes.pth')
            opts += ['model.decode_head.predict_with=prototypes']
            if not args.collect or not osp.isfile(ckpt):
                run([osp.join(ROOT, 'tools/spml_class_prototypes.py'),
                     config, base_ckpt, ckpt, '--cfg-options'] + data_opts)
        elif not args.collect:
            run([osp.join(ROOT, 'tools/train.py'), config, '--work-dir',
                 work_dir, '--cfg-options'] + opts)
        # evaluations: (options, folder) of the plain and the CRF one
        evals = {}
        if kind == 'prototypes':
            evals['plain'] = ([], 'test')
        if args.crf_test:
            evals['crf' if kind != 'stage2' else 'plain'] = (
                ['model.crf=None'] if kind == 'stage2' else CRF_OPTIONS,
                'test_no_crf' if kind == 'stage2' else 'test_crf')
        metrics = {}
        if kind in ('train', 'follow', 'stage2'):
            metrics['crf' if kind == 'stage2' else 'plain'] = read_metrics(
                osp.join(work_dir, '*', 'vis_data', '*.json'))
        for which, (extra, folder) in evals.items():
            test_dir = osp.join(work_dir, folder)
            pattern = osp.join(test_dir, '*', '*.json')
            if not args.collect or not glob.glob(pattern):
                ckpt = osp.join(work_dir, 'class_prototypes.pth') \
                    if kind == 'prototypes' else last_checkpoint(work_dir)
                run([osp.join(ROOT, 'tools/test.py'), config, ckpt,
                     '--work-dir', test_dir, '--cfg-options'] + opts + extra)
            metrics[which] = read_metrics(pattern)
        secs = None if args.collect or kind == 'prototypes' else \
            time.time() - start
        plain, crf = metrics.get('plain'), metrics.get('crf')
        results.append((name, osp.relpath(config, ROOT), plain, crf, secs))
        print(f'{name}: mIoU ' +
              (f'{plain["mIoU"]:.2f}' if plain else '-') +
              (f', with DenseCRF {crf["mIoU"]:.2f}' if crf else ''),
              flush=True)
    lines = ['| supervision | config | val mIoU | aAcc | F | J&F | '
             'mIoU with DenseCRF | train time |',
             '| --- | --- | --- | --- | --- | --- | --- | --- |']
    for name, config, m, m_crf, secs in results:
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
