"""CAM pseudo-labels of the CAM family on the training images: GAP, +ISL,
+ISL+FSL (HFPL), HSPP, VWE, VWE+HSPP, same backbone, budget and seeds.

    .venv/bin/python benchmarks/cam_family.py --suite toy|camvid \\
        [--seeds 0 1] [--only KEY ...] [--out benchmarks/results/cams/SUITE.md] \\
        [--collect]

Each row trains its config (``tools/train.py``, ``randomness.seed`` per seed,
work directory ``<work dir>/<key>_<suffix>_seed<N>``), then
``tools/make_cams.py`` writes the CAMs of the training images (multi-scale,
flipped, kept for the image tags: the papers' protocol) and scores their
pseudo-labels with ``ContourMetric`` (mIoU = J, F, J&F; per-class IoU),
writing them to ``labels_<key>/``. Rows
that differ in their CAM inference only share a training run. The table gives
the mean +- sample std over seeds and the per-class IoU averaged over seeds; a
``.json`` beside ``--out`` holds every run. A finished step is not redone.

``--downstream KEY`` then takes the CAMs of row KEY (each seed's own run) and
makes training labels of them for tags and for boxes (box-restricted CAMs,
``tools/make_cams.py --boxes``): on the toy set SPML's semantic cues
(``tools/cams_to_pseudo_labels.py``), on CamVid, which has no background
class, the CAM pseudo-labels of ``tools/make_cams.py --labels-dir``. Partial
CE and SPML train on each with the same seed; their val mIoU goes to
``<out>_downstream.md``.
"""
import argparse
import json
import os.path as osp
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from weak_vs_full import (ROOT, last_checkpoint, mean_std,  # noqa: E402
                          read_metrics, run, write_tables)

TOY = 'r18-tiny_1xb8-400it_toy-64x64_tag'
CAMVID = 'lite0-d16_1xb8-1k_camvid-176x176_tag'
# key, table name, config prefix, training options, make_cams options, the
# key whose training run the row shares (None: its own)
ROWS = [
    ('gap', 'GAP', 'cam/cam', [], [], None),
    ('isl', 'GAP + ISL', 'hfpl/hfpl-isl', [], [], None),
    ('isl-fsl', 'GAP + ISL + FSL', 'hfpl/hfpl-isl-fsl', [], [], None),
    ('hspp', 'HSPP', 'vwe/hspp', [], [], None),
    ('isl-fsl-hspp', 'HSPP + ISL + FSL', 'hfpl/hfpl-isl-fsl-hspp', [], [],
     None),
    ('vwe', 'VWE (two-branch max)', 'vwe/vwe', [], [], None),
    ('vwe-hspp', 'VWE + HSPP (two-branch max)', 'vwe/vwe-hspp', [], [],
     None),
    ('vwe-hspp-minmax', 'VWE + HSPP (two-branch max, min-max word CAMs)',
     'vwe/vwe-hspp', [], ['model.cam_cfg.word_branch=minmax'], 'vwe-hspp'),
    ('vwe-hspp-image', 'VWE + HSPP (image branch)', 'vwe/vwe-hspp', [],
     ['model.cam_cfg.word_branch=None'], 'vwe-hspp'),
    ('vwe-hspp-t0.1', 'VWE + HSPP, temperature 0.1 (two-branch max)',
     'vwe/vwe-hspp',
     ['model.decode_head.visual_words.temperature=0.1'], [], None),
]
SUITES = dict(toy=(TOY, 'data/toy'), camvid=(CAMVID, 'data/camvid'))
# suite: (leaf suffix of the downstream configs, how the cues are made,
# cams_to_pseudo_labels options, box source of the training config).
# 'a2': SPML's Appendix A.2 cues (tools/cams_to_pseudo_labels.py, datasets
# with a background class and VOC XML boxes); 'labels': the CAM pseudo-labels
# of tools/make_cams.py --labels-dir (datasets without a background class,
# boxes derived from the masks).
DOWNSTREAM = dict(
    toy=('r18-tiny_1xb8-400it_toy-64x64', 'a2',
         ['--img-suffix', '.png', '--classes',
          'background,disc,square,triangle'],
         dict(type='voc_xml', dir='weak/Annotations')),
    camvid=('deeplabv3_lite0-d16_1xb8-1k_camvid-176x176', 'labels', [],
            None))
DOWNSTREAM_ROWS = [
    ('tag', 'pce', 'tags (partial CE on CAM cues)', 'baseline/pce'),
    ('tag', 'spml', 'tags (SPML on CAM cues)', 'spml/spml'),
    ('box', 'pce', 'boxes (partial CE on box CAM cues)', 'baseline/pce'),
    ('box', 'spml', 'boxes (SPML on box CAM cues)', 'spml/spml'),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--suite', choices=list(SUITES), default='toy')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--only', nargs='+',
                        choices=[row[0] for row in ROWS])
    parser.add_argument('--work-dir')
    parser.add_argument('--out')
    parser.add_argument('--downstream', metavar='KEY',
                        help='CAM cues of this row -> partial CE and SPML')
    parser.add_argument('--collect', action='store_true',
                        help='run nothing, tabulate what is there')
    args = parser.parse_args()
    suffix, data_root = SUITES[args.suite]
    data_root = osp.join(ROOT, data_root)
    work_root = args.work_dir or osp.join(ROOT, 'work_dirs',
                                          f'cams_{args.suite}')
    if args.suite == 'toy' and not osp.isdir(data_root):
        from mmwsss.datasets import make_toy_dataset
        make_toy_dataset(data_root)
    data_opts = [f'{split}_dataloader.dataset.data_root={data_root}'
                 for split in ('train', 'val', 'test')]
    runs = []
    for seed in args.seeds:
        for key, name, prefix, train_opts, cam_opts, shared in ROWS:
            if args.only and key not in args.only:
                continue
            config = osp.join(ROOT, 'configs', f'{prefix}_{suffix}.py')
            work_dir = osp.join(work_root,
                                f'{shared or key}_{suffix}_seed{seed}')
            scores = osp.join(work_dir, f'cams_{key}.json')
            if not osp.isfile(scores):
                if args.collect:
                    continue
                if not osp.isfile(osp.join(work_dir, 'last_checkpoint')):
                    run([osp.join(ROOT, 'tools/train.py'), config,
                         '--work-dir', work_dir, '--cfg-options',
                         f'randomness.seed={seed}'] + data_opts + train_opts)
                run([osp.join(ROOT, 'tools/make_cams.py'), config,
                     last_checkpoint(work_dir), osp.join(work_dir, 'cams'),
                     '--labels-dir', osp.join(work_dir, f'labels_{key}'),
                     '--out-json', scores, '--cfg-options'] + data_opts +
                    train_opts + cam_opts)
            with open(scores) as f:
                runs.append(dict(json.load(f), key=key, name=name,
                                 seed=seed,
                                 config=osp.relpath(config, ROOT)))
    write(runs, args.out)
    if args.downstream:
        downstream(args, suffix, data_root, work_root, data_opts)


def downstream(args, suffix, data_root, work_root, data_opts):
    """CAM cues of ``args.downstream``'s runs -> partial CE and SPML."""
    leaf, recipe, cue_opts, box_source = DOWNSTREAM[args.suite]
    key = args.downstream
    row = next(r for r in ROWS if r[0] == key)
    runs = []
    for seed in args.seeds:
        cam_dir = osp.join(work_root, f'{row[5] or key}_{suffix}_seed{seed}')
        config = osp.join(ROOT, 'configs', f'{row[2]}_{suffix}.py')
        ckpt = last_checkpoint(cam_dir)
        cues = {}
        # the scores of the CAM pseudo-labels the cues come from
        cue_scores = dict(tag=osp.join(cam_dir, f'cams_{key}.json'),
                          box=osp.join(cam_dir, f'cams_box_{key}.json'))
        for kind in ('tag', 'box'):
            # the tag pseudo-labels of the 'labels' recipe are those the
            # first stage wrote
            out = osp.join(cam_dir, f'labels_{key}' if (
                recipe == 'labels' and kind == 'tag') else f'cues_{kind}')
            cues[kind] = out
            if args.collect or osp.isdir(out) and (
                    recipe != 'labels' or osp.isfile(cue_scores[kind])):
                continue
            cams = osp.join(cam_dir, 'cams' if kind == 'tag' else 'cams_box')
            box = ['--boxes'] if kind == 'box' else []
            if recipe == 'labels':
                run([osp.join(ROOT, 'tools/make_cams.py'), config, ckpt, cams,
                     '--labels-dir', out, '--out-json', cue_scores[kind]] +
                    box + ['--cfg-options'] + data_opts + row[3] + row[4])
                continue
            opts = list(cue_opts)
            if kind == 'box':
                # the CAM config with the boxes as its weak annotation
                box_config = osp.join(cam_dir, 'box_config.py')
                with open(box_config, 'w') as f:
                    f.write(f'_base_ = [{config!r}]\n'
                            'train_dataloader = dict(dataset=dict(weak_ann='
                            f'dict(_delete_=True, **{box_source!r})))\n')
                run([osp.join(ROOT, 'tools/make_cams.py'), box_config, ckpt,
                     cams, '--boxes', '--cfg-options'] + data_opts + row[3] +
                    row[4])
                opts += ['--boxes', osp.join(data_root, box_source['dir'])]
            run([osp.join(ROOT, 'tools/cams_to_pseudo_labels.py'), cams, out,
                 '--img-dir', osp.join(data_root, 'images/train')] + opts)
        for kind, method, name, prefix in DOWNSTREAM_ROWS:
            cfg = osp.join(ROOT, 'configs', f'{prefix}_{leaf}_{kind}-cam.py')
            work_dir = osp.join(work_root, 'downstream',
                                f'{method}-{kind}_{key}_seed{seed}')
            if not osp.isfile(osp.join(work_dir, 'last_checkpoint')):
                if args.collect:
                    continue
                run([osp.join(ROOT, 'tools/train.py'), cfg, '--work-dir',
                     work_dir, '--cfg-options', f'randomness.seed={seed}',
                     f'train_dataloader.dataset.weak_ann.dir={cues[kind]}']
                    + data_opts)
            metrics = read_metrics(osp.join(work_dir, '*', 'vis_data',
                                            '*.json'))
            cue_miou = None
            if recipe == 'labels' and osp.isfile(cue_scores[kind]):
                with open(cue_scores[kind]) as f:
                    cue_miou = json.load(f)['metrics']['mIoU']
            runs.append(dict(key=f'{method}-{kind}', name=name, seed=seed,
                             config=osp.relpath(cfg, ROOT), metrics=metrics,
                             cue_miou=cue_miou))
    lines = ['| supervision | seeds | val mIoU (mean +- std) | per seed | '
             'J&F (mean) | training labels: mIoU on the training images '
             '(mean) |', '| --- | --- | --- | --- | --- | --- |']
    for kind, method, name, _ in DOWNSTREAM_ROWS:
        rows = [r for r in runs if r['key'] == f'{method}-{kind}']
        if not rows:
            continue
        mious = [r['metrics']['mIoU'] for r in rows]
        mean, std = mean_std(mious)
        jf = statistics.fmean(r['metrics']['J&F'] for r in rows)
        cue = [r['cue_miou'] for r in rows if r.get('cue_miou') is not None]
        cue = f'{statistics.fmean(cue):.2f}' if cue else '-'
        lines.append(f'| {name} | {len(rows)} | {mean:.2f} +- {std:.2f} | '
                     f'{", ".join(f"{v:.2f}" for v in mious)} | {jf:.2f} | '
                     f'{cue} |')
    write_tables(args.out and osp.splitext(args.out)[0] + '_downstream.md',
                 lines, runs)


def write(runs, out):
    lines = ['| CAMs | seeds | mIoU (mean +- std) | per seed | J&F (mean) | '
             'F (mean) |', '| --- | --- | --- | --- | --- | --- |']
    classes = None
    per_class = []
    for key, name, *_ in ROWS:
        rows = [r for r in runs if r['key'] == key]
        if not rows:
            continue
        mious = [r['metrics']['mIoU'] for r in rows]
        mean, std = mean_std(mious)
        jf = statistics.fmean(r['metrics']['J&F'] for r in rows)
        f = statistics.fmean(r['metrics']['F'] for r in rows)
        lines.append(f'| {name} | {len(rows)} | {mean:.2f} +- {std:.2f} | '
                     f'{", ".join(f"{v:.2f}" for v in mious)} | {jf:.2f} | '
                     f'{f:.2f} |')
        classes = list(rows[0]['per_class_iou'])
        per_class.append((name, [
            statistics.fmean(r['per_class_iou'][c] or 0.0 for r in rows)
            for c in classes
        ]))
    if classes:
        lines += ['', '| CAMs | ' + ' | '.join(classes) + ' |',
                  '| --- |' + ' --- |' * len(classes)]
        lines += [f'| {name} | ' + ' | '.join(f'{v:.1f}' for v in values) +
                  ' |' for name, values in per_class]
    write_tables(out, lines, runs)


if __name__ == '__main__':
    main()
