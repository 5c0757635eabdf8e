"""The validation curve of a training run, from mmengine's scalar log.

    .venv/bin/python benchmarks/learning_curve.py WORK_DIR [--out FILE.md]

Reads ``WORK_DIR/<timestamp>/vis_data/scalars.json`` (the newest run) and
prints one row per validation: iteration, mIoU, aAcc, and the median
training time per iteration since the previous validation.
"""
import argparse
import glob
import json
import os.path as osp
import statistics


def read_curve(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    if not logs:
        raise FileNotFoundError(f'{work_dir}: no */vis_data/scalars.json')
    rows, times = [], []
    with open(logs[-1]) as f:
        for line in f:
            entry = json.loads(line)
            if 'mIoU' in entry:
                rows.append((entry['step'], entry['mIoU'], entry.get('aAcc'),
                             statistics.median(times) if times else None))
                times = []
            elif 'time' in entry:
                times.append(entry['time'])
    return logs[-1], rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    parser.add_argument('--out', help='markdown file for the table')
    args = parser.parse_args()
    log, rows = read_curve(args.work_dir)
    lines = ['| iteration | val mIoU | aAcc | s / iteration (median) |',
             '| --- | --- | --- | --- |']
    lines += [f'| {step} | {miou:.2f} | {acc:.2f} | ' +
              ('-' if t is None else f'{t:.3f}') + ' |'
              for step, miou, acc, t in rows]
    table = '\n'.join(lines)
    print(f'{log}\n{table}')
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
