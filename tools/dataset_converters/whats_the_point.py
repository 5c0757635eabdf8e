""""What's the point" JSON clicks -> point label-map PNGs (255 = unlabelled).

    python tools/dataset_converters/whats_the_point.py \
        data/VOCdevkit/VOC2012/JPEGImages data/VOCdevkit/VOC2012/points_png \
        --json whats_the_point/voc_whats_the_point.json \
               whats_the_point/voc_whats_the_point_bg_from_scribbles.json

Image sizes are read from the images (header only). Each click labels the
pixel under it (a disk with ``--radius``); a click outside its image is an
error naming the file and the image.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from PIL import Image
from tqdm import tqdm

from mmwsss.structures import rasterize_weak_target
from mmwsss.datasets.weak_annotations import (WeakLabelError,
                                              load_whats_the_point)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img_dir')
    parser.add_argument('out_dir')
    parser.add_argument('--json', nargs='+', required=True)
    parser.add_argument('--img-suffix', default='.jpg')
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument('--radius', type=int, default=0)
    args = parser.parse_args()
    clicks = load_whats_the_point(args.json, args.num_classes)
    os.makedirs(args.out_dir, exist_ok=True)
    missing = 0
    for image_id, (points, labels) in tqdm(
            sorted(clicks.items()), desc='points', unit='img'):
        img_path = osp.join(args.img_dir, image_id + args.img_suffix)
        if not osp.isfile(img_path):
            missing += 1
            continue
        with Image.open(img_path) as im:
            w, h = im.size
        outside = ((points[:, 0] < 0) | (points[:, 0] >= w) |
                   (points[:, 1] < 0) | (points[:, 1] >= h))
        if outside.any():
            raise WeakLabelError(
                f'{", ".join(args.json)}: click {points[outside][0].tolist()} '
                f'of {image_id} lies outside the {w}x{h} image')
        label = rasterize_weak_target((h, w), points=points,
                                      point_labels=labels,
                                      point_radius=args.radius)
        cv2.imwrite(osp.join(args.out_dir, image_id + '.png'),
                    label.astype(np.uint8))
    print(f'wrote {len(clicks) - missing} point maps to {args.out_dir}; '
          f'skipped {missing} images not found in {args.img_dir}')


if __name__ == '__main__':
    main()
