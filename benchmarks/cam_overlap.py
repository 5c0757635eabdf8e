"""How much the CAMs of an image's classes look alike: the mean Pearson
correlation between the CAMs of two different classes of the same image.

    .venv/bin/python benchmarks/cam_overlap.py NAME=CAM_DIR [NAME=CAM_DIR ...] \\
        --classes a,b,c [--stride 2] [--out benchmarks/results/cams/overlap.md]

Each ``CAM_DIR`` holds ``tools/make_cams.py``'s ``.npy`` files (PSA / IRN
format: ``keys``, ``high_res``). For every image with at least two CAMs the
correlations of all pairs of its CAMs are computed (every ``--stride``-th
pixel in each direction); the table gives their mean over pairs and images,
and per class the mean correlation of its CAM with the other CAMs of the
same images. A correlation near 1 means the classifier draws one map for all
classes: the arg-max between them is noise. ``--classes`` names the classes
counted over the CAM channels (``keys``' numbering).
"""
import argparse
import glob
import json
import os

import numpy as np


def correlations(cams: np.ndarray) -> np.ndarray:
    """(K, K) Pearson correlations of K maps (constant maps: 0)."""
    x = cams.reshape(len(cams), -1).astype(np.float64)
    x = x - x.mean(1, keepdims=True)
    norm = np.linalg.norm(x, axis=1)
    x = x / np.where(norm > 0, norm, np.inf)[:, None]
    return x @ x.T


def overlap(cam_dir: str, num_classes: int, stride: int) -> dict:
    files = sorted(glob.glob(os.path.join(cam_dir, '*.npy')))
    if not files:
        raise SystemExit(f'{cam_dir}: no .npy CAM files')
    pair_sum = np.zeros(num_classes)
    pair_count = np.zeros(num_classes)
    image_means = []
    for path in files:
        item = np.load(path, allow_pickle=True).item()
        keys = np.asarray(item['keys'], np.int64)
        if keys.size and keys.max() >= num_classes:
            raise SystemExit(f'{path}: class {keys.max()} but only '
                             f'{num_classes} classes named')
        if len(keys) < 2:
            continue
        r = correlations(item['high_res'][:, ::stride, ::stride])
        off = ~np.eye(len(keys), dtype=bool)
        image_means.append(r[off].mean())
        np.add.at(pair_sum, keys, (r * off).sum(1))
        np.add.at(pair_count, keys, len(keys) - 1)
    per_class = np.where(pair_count > 0, pair_sum / np.maximum(pair_count, 1),
                         np.nan)
    return dict(images=len(files), images_with_pairs=len(image_means),
                mean=float(np.mean(image_means)) if image_means else None,
                per_class=[None if np.isnan(v) else float(v)
                           for v in per_class])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('dirs', nargs='+', metavar='NAME=CAM_DIR')
    parser.add_argument('--classes', required=True)
    parser.add_argument('--stride', type=int, default=2)
    parser.add_argument('--out')
    args = parser.parse_args()
    classes = args.classes.split(',')
    rows = []
    for item in args.dirs:
        name, _, path = item.partition('=')
        if not path:
            parser.error(f'{item}: expected NAME=CAM_DIR')
        rows.append(dict(name=name, dir=path,
                         **overlap(path, len(classes), args.stride)))

    def cell(v):
        return '-' if v is None else f'{v:.2f}'

    lines = ['| CAMs | images | mean correlation of two classes\' CAMs | ' +
             ' | '.join(classes) + ' |',
             '| --- | --- | --- | ' + ' | '.join('---' for _ in classes) +
             ' |']
    for r in rows:
        lines.append(f'| {r["name"]} | {r["images_with_pairs"]} | '
                     f'{cell(r["mean"])} | ' +
                     ' | '.join(cell(v) for v in r['per_class']) + ' |')
    print('\n'.join(lines))
    if args.out:
        with open(args.out, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        with open(os.path.splitext(args.out)[0] + '.json', 'w') as f:
            json.dump(dict(classes=classes, stride=args.stride, rows=rows),
                      f, indent=1)


if __name__ == '__main__':
    main()
