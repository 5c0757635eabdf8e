""""What's the point" JSON clicks -> point label-map PNGs (255 = unlabelled).

    python tools/dataset_converters/whats_the_point.py \
        data/VOCdevkit/VOC2012/JPEGImages data/VOCdevkit/VOC2012/points_png \
        --json whats_the_point/voc_whats_the_point.json \
               whats_the_point/voc_whats_the_point_bg_from_scribbles.json

Image sizes are read from the images (header only). Each click labels the
pixel under it (a disk with ``--radius``). Clicks outside their image (the
public files have some) are dropped with one warning per file that counts
them and names the images; ``--on-outside error`` raises instead.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from tqdm import tqdm

from mmwsss.datasets.weak_annotations import (drop_clicks_outside,
                                              read_whats_the_point_file)
from mmwsss.datasets.weak_annotations.whats_the_point import merge_clicks
from mmwsss.structures import rasterize_weak_target
from mmwsss.utils.io import image_size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img_dir')
    parser.add_argument('out_dir')
    parser.add_argument('--json', nargs='+', required=True)
    parser.add_argument('--img-suffix', default='.jpg')
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument('--radius', type=int, default=0)
    parser.add_argument('--on-outside', choices=['drop', 'error'],
                        default='drop')
    args = parser.parse_args()
    per_file = [read_whats_the_point_file(f, args.num_classes)
                for f in args.json]
    ids = sorted(set().union(*per_file))
    paths = {i: osp.join(args.img_dir, i + args.img_suffix) for i in ids}
    sizes = {i: image_size(p) for i, p in paths.items() if osp.isfile(p)}
    clicks = merge_clicks([
        drop_clicks_outside(c, sizes, f, args.on_outside)
        for c, f in zip(per_file, args.json)
    ])
    os.makedirs(args.out_dir, exist_ok=True)
    written = 0
    for image_id in tqdm(ids, desc='points', unit='img'):
        if image_id not in sizes:
            continue
        points, labels = clicks[image_id]
        label = rasterize_weak_target(sizes[image_id], points=points,
                                      point_labels=labels,
                                      point_radius=args.radius)
        cv2.imwrite(osp.join(args.out_dir, image_id + '.png'),
                    label.astype(np.uint8))
        written += 1
    print(f'wrote {written} point maps to {args.out_dir}; skipped '
          f'{len(ids) - written} images not found in {args.img_dir}')


if __name__ == '__main__':
    main()
