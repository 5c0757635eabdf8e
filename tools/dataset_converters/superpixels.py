"""Precompute low-level over-segmentations (superpixels) as region PNGs.

    python tools/dataset_converters/superpixels.py IMG_DIR OUT_DIR \
        [--method felzenszwalb|slic] [--param scale=200 min_size=200 ...] \
        [--nproc 8]

Writes ``OUT_DIR/<image name>.png``: one-channel 16-bit region ids, which
``LoadSuperpixels(dir=OUT_DIR)`` reads before the geometric transforms
(the place of SPML's precomputed HED + UCM regions). The regions are those
``GenerateSuperpixels`` computes on the fly with the same method and
parameters, on the whole image instead of the crop; precomputing them takes
this work off the data workers. An unreadable image is an error naming it.
"""
import argparse
import glob
import os
import os.path as osp
from multiprocessing import Pool

import cv2
from tqdm import tqdm

from mmwsss.datasets.transforms import GenerateSuperpixels

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


def parse_param(text):
    key, _, value = text.partition('=')
    for cast in (int, float):
        try:
            return key, cast(value)
        except ValueError:
            pass
    return key, value


class _Worker:

    def __init__(self, method, params, out_dir):
        self.transform = GenerateSuperpixels(method, **params)
        self.out_dir = out_dir

    def __call__(self, path):
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'{path}: not an image or unreadable')
        regions = self.transform(dict(img=img, img_path=path))[
            'gt_superpixels']
        name = osp.splitext(osp.basename(path))[0]
        cv2.imwrite(osp.join(self.out_dir, name + '.png'), regions)
        return int(regions.max()) + 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img_dir')
    parser.add_argument('out_dir')
    parser.add_argument('--method', default='felzenszwalb',
                        choices=list(GenerateSuperpixels.DEFAULTS))
    parser.add_argument('--param', nargs='*', default=[], type=parse_param,
                        help='KEY=VALUE arguments of the scikit-image method')
    parser.add_argument('--nproc', type=int, default=1)
    args = parser.parse_args(argv)
    paths = sorted(p for p in glob.glob(osp.join(args.img_dir, '*'))
                   if p.lower().endswith(IMAGE_SUFFIXES))
    if not paths:
        raise FileNotFoundError(f'{args.img_dir}: no images')
    os.makedirs(args.out_dir, exist_ok=True)
    worker = _Worker(args.method, dict(args.param), args.out_dir)
    if args.nproc > 1:
        with Pool(args.nproc) as pool:
            counts = list(tqdm(pool.imap(worker, paths, chunksize=8),
                               total=len(paths)))
    else:
        counts = [worker(p) for p in tqdm(paths)]
    print(f'wrote {len(paths)} over-segmentations to {args.out_dir} '
          f'({sum(counts) / len(counts):.1f} regions per image)')


if __name__ == '__main__':
    main()
