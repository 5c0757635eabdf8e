"""Class activation maps -> SPML's semantic cues for tags and boxes (A.2).

    python tools/cams_to_pseudo_labels.py CAM_DIR OUT_DIR --img-dir IMG_DIR
        [--img-suffix .jpg] [--alpha 6] [--threshold 0.2]
        [--boxes ANNOTATION_DIR --box-threshold 0.5] [--classes voc]

CAM_DIR holds one ``NAME.npy`` per image in the format of PSA / IRN
(``np.save(path, {'keys': classes, 'high_res': cams})``): ``keys`` are the
image's foreground classes counted from 0 (VOC: 0 = aeroplane), ``high_res``
(or ``cam``) their (K, H, W) activation maps at image size.

- Tags (default): each CAM is divided by its maximum, background confidence
  ``(1 - max)^alpha`` (alpha 6), arg-max, unlabelled below ``--threshold``
  (0.2).
- Boxes (``--boxes`` with VOC XML annotations): inside each box the CAM of its
  class is min-max normalised, pixels >= ``--box-threshold`` (0.5) take the
  class, the rest of the box is unlabelled, outside every box is background.

Every CAM must have its image's size (``IMG_DIR/NAME.jpg``, needed for tags,
optional with boxes) and, with boxes, the size of the annotation's frame
(``<size>`` of the XML) and hold every box; otherwise the tool stops with an
error naming the file and both sizes.

Writes ``OUT_DIR/NAME.png`` (255 = unlabelled), read by
``configs/spml/spml_r101_voc_{tag,box}.py``.
"""
import argparse
import glob
import os
import os.path as osp

import cv2
import numpy as np
import torch
from tqdm import tqdm

from mmwsss.datasets.weak_annotations.errors import WeakLabelError
from mmwsss.datasets.weak_annotations.voc_xml import parse_voc_xml
from mmwsss.models.utils import cam_labels_from_boxes, cam_labels_from_tags
from mmwsss.utils.io import image_size


def load_cams(path: str, num_fg: int):
    """(num_fg, H, W) CAMs, zero for classes not in ``keys``, and the
    (K,) ``keys``."""
    try:
        data = np.load(path, allow_pickle=True).item()
    except (OSError, ValueError, AttributeError) as e:
        raise WeakLabelError(f'{path}: not a PSA/IRN CAM dict ({e})') from e
    cams = data.get('high_res', data.get('cam'))
    keys = np.asarray(data.get('keys', []), np.int64).reshape(-1)
    if cams is None:
        raise WeakLabelError(f'{path}: no "high_res" or "cam" entry')
    cams = np.asarray(cams, np.float32)
    if cams.ndim != 3 or cams.shape[0] != len(keys):
        raise WeakLabelError(f'{path}: {len(keys)} keys but CAMs of shape '
                             f'{cams.shape}')
    if len(keys) and (keys.min() < 0 or keys.max() >= num_fg):
        raise WeakLabelError(f'{path}: keys {keys.tolist()} outside '
                             f'[0, {num_fg})')
    full = np.zeros((num_fg, ) + cams.shape[1:], np.float32)
    full[keys] = cams
    return torch.from_numpy(full), keys


def check_cam_size(path: str, cam_size, ref_size, ref: str) -> None:
    """Raise naming the CAM file, ``ref`` and both (height, width) sizes
    when they differ."""
    if tuple(cam_size) != tuple(ref_size):
        raise WeakLabelError(
            f'{path}: CAMs of size {cam_size[0]}x{cam_size[1]} (height x '
            f'width) but {ref} is {ref_size[0]}x{ref_size[1]}')


def check_boxes_inside(path: str, xml: str, boxes: np.ndarray,
                       cam_size) -> None:
    """Raise naming both files when a box leaves the CAM frame."""
    h, w = cam_size
    out = (boxes[:, 0] < 0) | (boxes[:, 1] < 0) | (boxes[:, 2] > w) | (
        boxes[:, 3] > h)
    if out.any():
        raise WeakLabelError(
            f'{path}: CAMs of size {h}x{w} (height x width) but {xml} has '
            f'boxes outside them: {boxes[out].tolist()} (x1, y1, x2, y2)')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('cam_dir')
    parser.add_argument('out_dir')
    parser.add_argument('--img-dir',
                        help='images, to check the CAM sizes (needed for '
                        'tags)')
    parser.add_argument('--img-suffix', default='.jpg')
    parser.add_argument('--alpha', type=float, default=6.0)
    parser.add_argument('--threshold', type=float, default=0.2)
    parser.add_argument('--boxes', help='VOC XML annotation directory')
    parser.add_argument('--box-threshold', type=float, default=0.5)
    parser.add_argument('--classes', default='voc',
                        help="'voc' or a comma-separated class list "
                        '(background first)')
    args = parser.parse_args(argv)
    if args.img_dir is None and args.boxes is None:
        parser.error('--img-dir is required with tags: every CAM is checked '
                     "against its image's size")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.classes == 'voc':
        from mmwsss.datasets import PascalVOCWeakDataset
        classes = PascalVOCWeakDataset.METAINFO['classes']
    else:
        classes = tuple(args.classes.split(','))
    num_fg = len(classes) - 1
    files = sorted(glob.glob(osp.join(args.cam_dir, '*.npy')))
    if not files:
        raise FileNotFoundError(f'{args.cam_dir}: no .npy CAM files')
    os.makedirs(args.out_dir, exist_ok=True)
    for path in tqdm(files):
        name = osp.splitext(osp.basename(path))[0]
        cams, keys = load_cams(path, num_fg)
        cam_size = tuple(cams.shape[-2:])
        if args.img_dir is not None:
            img = osp.join(args.img_dir, name + args.img_suffix)
            check_cam_size(path, cam_size, image_size(img),
                           f'the image {img}')
        if args.boxes:
            xml = osp.join(args.boxes, name + '.xml')
            ann = parse_voc_xml(xml, classes)
            if ann['size'] is not None:
                check_cam_size(path, cam_size, ann['size'],
                               f'the box frame (<size>) of {xml}')
            check_boxes_inside(path, xml, ann['bboxes'], cam_size)
            labels = cam_labels_from_boxes(cams, ann['bboxes'],
                                           ann['labels'], args.box_threshold)
        else:
            tags = torch.zeros(1, num_fg)
            tags[0, keys] = 1
            labels = cam_labels_from_tags(cams[None], tags, args.alpha,
                                          args.threshold)[0]
        cv2.imwrite(osp.join(args.out_dir, name + '.png'),
                    labels.numpy().astype(np.uint8))
    print(f'wrote {len(files)} pseudo-labels to {args.out_dir}')


if __name__ == '__main__':
    main()
