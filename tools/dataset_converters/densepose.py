"""DensePose-COCO JSON -> dense part masks and keypoint training labels.

    python tools/dataset_converters/densepose.py \
        data/coco/annotations/densepose_coco_2014_train.json data/coco/densepose --split train
    python tools/dataset_converters/densepose.py \
        data/coco/annotations/densepose_coco_2014_minival.json data/coco/densepose --split minival

Writes ``OUT/parts/SPLIT/NAME.png`` (0 background, 1..14 body parts: the
dense target for validation), ``OUT/keypoints/SPLIT/NAME.png`` (SPML's
Gaussian keypoint labels: one keypoint at the centre of every part segment,
labelled / unknown (255) / background regions, std = ``--sigma-ratio`` times
the square root of the person's box area) and ``OUT/SPLIT.txt``.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from tqdm import tqdm

from mmwsss.datasets.weak_annotations import (densepose_keypoints,
                                              gaussian_keypoint_labels,
                                              load_densepose,
                                              part_masks_in_image)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('json')
    parser.add_argument('out_dir')
    parser.add_argument('--split', required=True)
    parser.add_argument('--sigma-ratio', type=float, default=0.04)
    parser.add_argument('--labelled-thr', type=float, default=0.5)
    parser.add_argument('--background-thr', type=float, default=0.05)
    args = parser.parse_args()
    entries = load_densepose(args.json)
    parts_dir = osp.join(args.out_dir, 'parts', args.split)
    kp_dir = osp.join(args.out_dir, 'keypoints', args.split)
    os.makedirs(parts_dir, exist_ok=True)
    os.makedirs(kp_dir, exist_ok=True)
    names = []
    for stem, entry in tqdm(sorted(entries.items()), desc='densepose',
                            unit='img'):
        if not entry['annotations']:
            continue  # images without DensePose people are left out
        parts = np.zeros(entry['size'], np.uint8)
        for ann in entry['annotations']:
            person = part_masks_in_image(ann, entry['size'])
            parts[person > 0] = person[person > 0]
        instances = densepose_keypoints(entry)
        if not instances:
            continue
        points = np.concatenate([i['points'] for i in instances])
        labels = np.concatenate([i['labels'] for i in instances])
        sigmas = np.concatenate(
            [np.full(len(i['labels']), args.sigma_ratio * i['size'])
             for i in instances])
        keypoints = gaussian_keypoint_labels(points, labels, sigmas,
                                             entry['size'], args.labelled_thr,
                                             args.background_thr)
        cv2.imwrite(osp.join(parts_dir, stem + '.png'), parts)
        cv2.imwrite(osp.join(kp_dir, stem + '.png'), keypoints)
        names.append(stem)
    with open(osp.join(args.out_dir, f'{args.split}.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    print(f'wrote {len(names)} images ({len(entries) - len(names)} without '
          f'DensePose people left out) to {args.out_dir}')


if __name__ == '__main__':
    main()
