"""SPML and the partial cross-entropy baseline from weak labels, and full
supervision, same backbone, budget and seeds; one validation at the end.

    .venv/bin/python benchmarks/weak_vs_full.py \\
        --suite camvid|camvid-lite0|camvid-points|toy \\
        [--data-root DIR] [--out benchmarks/results/SUITE.md] \\
        [--only KEY ...] [--seeds 0 1 ...] [--iters N [--val-interval N]] \\
        [--crf-test] \\
        [--collect] [--timing N] \\
        [--cfg-options train_dataloader.num_workers=8 ...]

Suites: ``camvid`` (``data/camvid``, weak labels derived from the masks,
ResNet-18 from scratch, 1k iterations), ``camvid-lite0`` (the same data on
the ImageNet-pretrained EfficientNet-Lite0 at output stride 16, 1k
iterations; boxes through their ``rw+crf`` pseudo-masks, made once before
training by ``tools/weak_to_pseudo_masks.py``), ``camvid-points`` (the point
family on the same data: partial CE, PDML and PDML + extension on Lite0,
SPML points, PMP on Lite0 and PMP's Table 3 rows on a ResNet-50 from
scratch; run it with ``--work-dir work_dirs/camvid-lite0_bench`` to reuse
the rows it shares with ``camvid-lite0``) and ``toy`` (the embedded toy set,
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
scratch (with ``--val-interval N``, validated every N iterations: a budget
curve). ``--crf-test`` also evaluates every row with DenseCRF on its
predictions (``model.type=CRFEncoderDecoder``), and stage 2 without it.
``--seeds`` runs every row once per seed (``randomness.seed``, work
directories ``<config>_seed<N>``) and adds a summary: mean +- sample std of
the val mIoU, the ratio of each row's mean to full supervision's, and the
peak resident memory of the training process (``os.wait4``). Without it each
row runs once with its config's seed. ``--collect`` trains nothing: it
tabulates the finished runs (running the evaluations that are missing).

``--timing N`` trains nothing to the end either: it runs every row's config
for N iterations (logging every iteration, no validation) in
``<work dir>/timing/`` and tabulates the median seconds per iteration after
the first 10 and the peak memory. Run it on an otherwise idle machine.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
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
LITE0 = 'deeplabv3_lite0-d16_1xb8-1k_camvid-176x176'
CAMVID_LITE0 = {
    'full': ('full supervision', f'configs/baseline/full_{LITE0}.py',
             'train', None),
    'points': ('points (partial CE)',
               f'configs/baseline/pce_{LITE0}_point.py', 'train', None),
    'scribbles': ('scribbles (partial CE)',
                  f'configs/baseline/pce_{LITE0}_scribble.py', 'train', None),
    'boxes-pseudo': ('boxes (partial CE on rw+crf pseudo-masks)',
                     f'configs/baseline/pce_{LITE0}_box-pseudo.py', 'train',
                     None),
    'spml-points': ('points (SPML)', f'configs/spml/spml_{LITE0}_point.py',
                    'train', None),
    'spml-scribbles': ('scribbles (SPML)',
                       f'configs/spml/spml_{LITE0}_scribble.py', 'train',
                       None),
    'spml-boxes-pseudo': ('boxes (SPML on rw+crf pseudo-masks)',
                          f'configs/spml/spml_{LITE0}_box-pseudo.py',
                          'train', None),
}
PMP_R50 = 'configs/pmp/pmp_fcn_r50-ws-gn-d8_1xb8-1k_camvid-176x176'
# rows of PMP's Table 3: (key suffix, EDF / blots / PAC in the name)
PMP_ROWS = (('', 'EDF, blots, PAC'), ('-edf-pac', 'EDF, PAC'),
            ('-edf-blots', 'EDF, blots'), ('-edf', 'EDF'),
            ('-blots', 'blots'), ('-blots-pac', 'blots, PAC'),
            ('-points-only', 'points only'))
CAMVID_POINTS = {
    'full': CAMVID_LITE0['full'],
    'points': CAMVID_LITE0['points'],
    'pdml': ('points (PDML)', f'configs/pdml/pdml_{LITE0}.py', 'train',
             None),
    'pdml-ext': ('points (PDML + extension)',
                 f'configs/pdml/pdml_{LITE0}_ext.py', 'train', None),
    'pdml-projection': ('points (PDML, embeddings of a 1x1 projection)',
                        f'configs/pdml/pdml_{LITE0}_projection.py', 'train',
                        None),
    'spml-points': CAMVID_LITE0['spml-points'],
    'pmp-lite0': ('PMP points, Lite0 (EDF, blots, PAC)',
                  f'configs/pmp/pmp_{LITE0}.py', 'train', None),
    **{
        f'pmp{suffix}': (f'PMP points, ResNet-50 from scratch ({what})',
                         f'{PMP_R50}{"_" + suffix[1:] if suffix else ""}.py',
                         'train', None)
        for suffix, what in PMP_ROWS
    },
}
SUITES = {
    'camvid': CAMVID,
    'toy': TOY,
    'camvid-lite0': CAMVID_LITE0,
    'camvid-points': CAMVID_POINTS
}
# the suites whose pseudo-masks are made before training: (config, out dir,
# options of tools/weak_to_pseudo_masks.py)
BOX_PSEUDO = {
    'camvid-lite0': (
        f'configs/baseline/pce_{LITE0}_point.py',
        'work_dirs/camvid_box_pseudo_masks',
        ['--method', 'rw+crf', '--box-background', 'none', '--cfg-options',
         'train_dataloader.dataset.weak_label=boxes']),
}
CRF_OPTIONS = ['model.type=CRFEncoderDecoder', 'model.crf.num_iters=10']


def work_dir_of(rows, root, key, seed=None):
    config, kind = rows[key][1], rows[key][2]
    name = osp.basename(config)[:-3]
    if seed is not None:
        name += f'_seed{seed}'
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
    rows = [r for r in rows if 'mIoU' in r]
    if not rows:
        raise FileNotFoundError(f'{logs[-1]}: no validation yet')
    return rows[-1]


def train_scalars(work_dir):
    """The logged training rows of the newest run in ``work_dir``."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    if not logs:
        raise FileNotFoundError(f'{work_dir}: no */vis_data/scalars.json')
    return [json.loads(line) for line in open(logs[-1])]


def iteration_times(work_dir, skip=10):
    """Seconds per logged iteration of the newest run in ``work_dir``, after
    the first ``skip`` iterations."""
    return [r['time'] for r in train_scalars(work_dir)
            if 'time' in r and r['step'] > skip]


def expansion_curve(work_dir):
    """PMP's expansion scores over training: ``[step, E_obj, E_bg]`` where
    they change (and the first and last logged rows); None without them."""
    rows = [r for r in train_scalars(work_dir) if 'e_obj' in r]
    curve = []
    for i, r in enumerate(rows):
        point = [r['step'], r['e_obj'], r['e_bg']]
        if i in (0, len(rows) - 1) or point[1:] != curve[-1][1:]:
            curve.append(point)
    return curve or None


def run(cmd):
    """Runs a Python script; returns the peak resident memory (MiB) of the
    process (the largest of it and its waited-for children)."""
    proc = subprocess.Popen([sys.executable] + cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return usage.ru_maxrss / 1024


def mean_std(values):
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def timing(suite_rows, keys, args, data_opts):
    """``--timing``: seconds per iteration and peak memory of every row."""
    lines = ['| supervision | config | s / iteration (median) | '
             'peak memory (MiB) |', '| --- | --- | --- | --- |']
    results = {}
    for key in keys:
        name, config, kind, _ = suite_rows[key]
        if kind != 'train':
            continue
        work_dir = osp.join(args.work_dir, 'timing', key)
        peak = run([osp.join(ROOT, 'tools/train.py'), osp.join(ROOT, config),
                    '--work-dir', work_dir, '--cfg-options'] + data_opts +
                   [f'train_cfg.max_iters={args.timing}',
                    f'train_cfg.val_interval={args.timing + 1}',
                    f'param_scheduler.0.end={args.timing}',
                    'default_hooks.logger.interval=1',
                    f'default_hooks.checkpoint.interval={args.timing + 1}'] +
                   list(args.cfg_options))
        times = iteration_times(work_dir)
        results[key] = dict(config=config, median_s=statistics.median(times),
                            iterations=len(times), peak_rss_mib=peak)
        lines.append(f'| {name} | `{config}` | '
                     f'{statistics.median(times):.3f} | {peak:.0f} |')
        print(lines[-1], flush=True)
    return lines, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--suite', choices=list(SUITES), default='camvid')
    parser.add_argument('--data-root',
                        help='default: data/<suite> (the toy set is written '
                        'there when missing)')
    parser.add_argument('--work-dir',
                        help='default: work_dirs/<suite>_bench')
    parser.add_argument('--out', help='markdown file for the table (and a '
                        '.json beside it)')
    parser.add_argument('--iters', type=int, help='iterations of the runs '
                        'from scratch (default: the configs\' 1k)')
    parser.add_argument('--val-interval', type=int,
                        help='with --iters: validate every N iterations '
                        '(default: once, at the end)')
    parser.add_argument('--only', nargs='*',
                        help='run only these keys (in this order)')
    parser.add_argument('--seeds', nargs='*', type=int,
                        help='run every row once per seed')
    parser.add_argument('--crf-test', action='store_true',
                        help='also evaluate each row with DenseCRF (stage 2: '
                        'without it)')
    parser.add_argument('--cfg-options', nargs='*', default=[])
    parser.add_argument('--collect', action='store_true',
                        help='train nothing: tabulate the finished runs found '
                        'in --work-dir (running missing evaluations)')
    parser.add_argument('--timing', type=int, metavar='N',
                        help='time N iterations of every row instead')
    args = parser.parse_args()
    suite_rows = SUITES[args.suite]
    unknown = set(args.only or ()) - set(suite_rows)
    if unknown:
        parser.error(f'unknown keys {sorted(unknown)} for suite '
                     f'{args.suite}: {list(suite_rows)}')
    data_name = 'camvid' if args.suite.startswith('camvid') else args.suite
    args.data_root = args.data_root or osp.join(ROOT, 'data', data_name)
    args.work_dir = args.work_dir or osp.join(ROOT, 'work_dirs',
                                              f'{args.suite}_bench')
    if args.suite == 'toy' and not osp.isdir(args.data_root):
        from mmwsss.datasets import make_toy_dataset
        make_toy_dataset(args.data_root)
    data_opts = [f'{split}_dataloader.dataset.data_root={args.data_root}'
                 for split in ('train', 'val', 'test')]
    keys = args.only or list(suite_rows)
    if args.suite in BOX_PSEUDO and not args.collect and any(
            'pseudo' in key for key in keys):
        config, out_dir, opts = BOX_PSEUDO[args.suite]
        run([osp.join(ROOT, 'tools/weak_to_pseudo_masks.py'),
             osp.join(ROOT, config), osp.join(ROOT, out_dir)] + opts +
            data_opts)
    if args.timing:
        lines, results = timing(suite_rows, keys, args, data_opts)
        write_tables(args.out, lines, results)
        return
    scratch = []
    if args.iters:
        scratch = [f'train_cfg.max_iters={args.iters}',
                   'train_cfg.val_interval='
                   f'{args.val_interval or args.iters}',
                   f'param_scheduler.0.end={args.iters}',
                   f'default_hooks.checkpoint.interval={args.iters}']
    results = []
    for seed in args.seeds or [None]:
        for key in keys:
            try:
                results.append(run_row(suite_rows, key, seed, args,
                                       data_opts, scratch))
            except FileNotFoundError as e:
                if not args.collect:
                    raise
                print(f'skipped ({e})')
    lines = ['| supervision | seed | config | val mIoU | aAcc | F | J&F | '
             'mIoU with DenseCRF | train time | peak memory (MiB) |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for r in results:
        m, m_crf = r['plain'], r['crf']
        cells = ['-'] * 4 if m is None else [
            f'{m[k]:.2f}' for k in ('mIoU', 'aAcc', 'F', 'J&F')]
        lines.append(
            f'| {r["name"]} | {"-" if r["seed"] is None else r["seed"]} | '
            f'`{r["config"]}` | ' + ' | '.join(cells) + ' | ' +
            ('-' if m_crf is None else f'{m_crf["mIoU"]:.2f}') + ' | ' +
            ('-' if r['secs'] is None else f'{r["secs"] / 60:.1f} min') +
            ' | ' + ('-' if r['peak_rss_mib'] is None else
                     f'{r["peak_rss_mib"]:.0f}') + ' |')
    if args.seeds:
        lines += [''] + summary(results, keys, suite_rows)
    if args.iters:
        lines = [f'Every run from scratch trained for {args.iters} '
                 f'iterations (`--iters {args.iters}`'
                 + (f' `--val-interval {args.val_interval}`'
                    if args.val_interval else '') + ').', ''] + lines
    if args.cfg_options:
        lines = ['Every run with `--cfg-options ' +
                 ' '.join(args.cfg_options) + '`.', ''] + lines
    write_tables(args.out, lines, results)


def run_row(suite_rows, key, seed, args, data_opts, scratch):
    """Trains or evaluates one row for one seed; returns its results."""
    name, config, kind, base = suite_rows[key]
    config = osp.join(ROOT, config)
    work_dir = work_dir_of(suite_rows, args.work_dir, key, seed)
    opts = data_opts + list(args.cfg_options)
    if seed is not None:
        opts.append(f'randomness.seed={seed}')
    base_ckpt = None if base is None else last_checkpoint(
        work_dir_of(suite_rows, args.work_dir, base, seed))
    start = time.time()
    peak = None
    # written when a training run finishes: a later call does not redo it
    run_info = osp.join(work_dir, 'bench_run.json')
    if kind == 'train':
        opts += scratch
    elif kind in ('follow', 'stage2'):
        opts += [f'load_from={base_ckpt}']
    if kind == 'stage2':
        pseudo = osp.join(args.work_dir, 'pseudo_labels',
                          key + ('' if seed is None else f'_seed{seed}'))
        opts += [f'train_dataloader.dataset.weak_ann.dir={pseudo}']
        if not args.collect:
            run([osp.join(ROOT, 'tools/spml_pseudo_labels.py'),
                 osp.join(ROOT, suite_rows[base][1]), base_ckpt, pseudo,
                 '--crf', '--cfg-options'] + data_opts)
    if kind == 'prototypes':
        ckpt = osp.join(work_dir, 'class_prototypes.pth')
        opts += ['model.decode_head.predict_with=prototypes']
        if not args.collect or not osp.isfile(ckpt):
            run([osp.join(ROOT, 'tools/spml_class_prototypes.py'), config,
                 base_ckpt, ckpt, '--cfg-options'] + data_opts)
    elif not args.collect and not osp.isfile(run_info):
        peak = run([osp.join(ROOT, 'tools/train.py'), config, '--work-dir',
                    work_dir, '--cfg-options'] + opts)
        with open(run_info, 'w') as f:
            json.dump(dict(secs=time.time() - start, peak_rss_mib=peak), f)
    secs = None
    if osp.isfile(run_info):
        with open(run_info) as f:
            info = json.load(f)
        secs, peak = info['secs'], info['peak_rss_mib']
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
            run([osp.join(ROOT, 'tools/test.py'), config, ckpt, '--work-dir',
                 test_dir, '--cfg-options'] + opts + extra)
        metrics[which] = read_metrics(pattern)
    plain, crf = metrics.get('plain'), metrics.get('crf')
    print(f'{name} (seed {seed}): mIoU ' +
          (f'{plain["mIoU"]:.2f}' if plain else '-') +
          (f', with DenseCRF {crf["mIoU"]:.2f}' if crf else ''), flush=True)
    curve = expansion_curve(work_dir) if kind == 'train' else None
    return dict(key=key, name=name, seed=seed,
                config=osp.relpath(config, ROOT), plain=plain, crf=crf,
                secs=secs, peak_rss_mib=peak, expansion=curve)


def summary(results, keys, suite_rows):
    """Mean +- std over seeds of every row, and its ratio to full
    supervision's mean."""
    by_key = {key: [r for r in results if r['key'] == key and r['plain']]
              for key in keys}
    full = by_key.get('full')
    full_mean = mean_std([r['plain']['mIoU'] for r in full])[0] \
        if full else None
    lines = ['| supervision | seeds | val mIoU (mean +- std) | per seed | '
             'J&F (mean) | weak / full | peak memory (MiB) |',
             '| --- | --- | --- | --- | --- | --- | --- |']
    for key in keys:
        runs = by_key[key]
        if not runs:
            continue
        mious = [r['plain']['mIoU'] for r in runs]
        mean, std = mean_std(mious)
        jf = statistics.fmean(r['plain']['J&F'] for r in runs)
        peaks = [r['peak_rss_mib'] for r in runs if r['peak_rss_mib']]
        ratio = '-' if full_mean is None else f'{mean / full_mean:.3f}'
        lines.append(
            f'| {suite_rows[key][0]} | {len(runs)} | {mean:.2f} +- {std:.2f}'
            f' | {", ".join(f"{v:.2f}" for v in mious)} | {jf:.2f} | '
            f'{ratio} | ' + (f'{max(peaks):.0f}' if peaks else '-') + ' |')
    curves = [r for r in results if r.get('expansion')]
    if curves:
        lines += ['', '| run | seed | E_obj / E_bg (at iteration) |',
                  '| --- | --- | --- |']
        for r in curves:
            points = ', '.join(f'{o:.3f} / {b:.3f} ({step})'
                               for step, o, b in r['expansion'])
            lines.append(f'| {r["name"]} | {r["seed"]} | {points} |')
    return lines


def write_tables(out, lines, results):
    table = '\n'.join(lines)
    print(table)
    if out:
        with open(out, 'w') as f:
            f.write(table + '\n')
        with open(osp.splitext(out)[0] + '.json', 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
