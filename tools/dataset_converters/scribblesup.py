"""ScribbleSup XML scribbles -> label-map PNGs (255 = unlabelled).

    python tools/dataset_converters/scribblesup.py \
        data/VOCdevkit/VOC2012/pascal_2012_scribble \
        data/VOCdevkit/VOC2012/pascal_2012_scribble_png

Strokes are drawn as polylines of width 3 (the reference conversion).
"""
import argparse
import glob
import os
import os.path as osp

import cv2
from mmseg.datasets import PascalVOCDataset
from tqdm import tqdm

from mmwsss.datasets.weak_annotations import (parse_scribble_xml,
                                              rasterize_strokes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('xml_dir')
    parser.add_argument('out_dir')
    parser.add_argument('--thickness', type=int, default=3)
    parser.add_argument(
        '--classes', nargs='+', default=list(PascalVOCDataset.METAINFO[
            'classes']), help='class names, index = label (VOC by default)')
    args = parser.parse_args()
    files = sorted(glob.glob(osp.join(args.xml_dir, '*.xml')))
    if not files:
        raise SystemExit(f'{args.xml_dir}: no .xml files')
    os.makedirs(args.out_dir, exist_ok=True)
    labelled = 0
    total = 0
    for path in tqdm(files, desc='scribbles', unit='img'):
        shape, strokes = parse_scribble_xml(path, args.classes)
        label = rasterize_strokes(strokes, shape, args.thickness)
        labelled += int((label != 255).sum())
        total += label.size
        name = osp.splitext(osp.basename(path))[0]
        cv2.imwrite(osp.join(args.out_dir, name + '.png'), label)
    print(f'wrote {len(files)} label maps to {args.out_dir}; '
          f'{100 * labelled / max(total, 1):.2f}% of pixels labelled')


if __name__ == '__main__':
    main()
