"""Class activation maps of a training set from a CAM classifier, scored as
pseudo-labels.

    python tools/make_cams.py CONFIG CHECKPOINT OUT_DIR
        [--boxes] [--split train|val] [--limit N] [--no-tags]
        [--labels-dir DIR] [--random-walk SPML_CONFIG SPML_CHECKPOINT]
        [--out-json FILE] [--device cpu|cuda] [--cfg-options ...]

CONFIG is a :class:`~mmwsss.models.CAMEncoderDecoder` config (e.g.
``configs/hfpl/*.py``, ``configs/vwe/*.py``). For every image of the split
the tool computes the multi-scale, flipped, max-normalised CAMs of the
image's tags (``--no-tags``: of the classes the classifier finds) and writes
``OUT_DIR/NAME.npy`` in the PSA / IRN format (``keys``: the image's classes
counted over the classes with a CAM; ``high_res``: their (K, H, W) CAMs at
image size), which ``tools/cams_to_pseudo_labels.py`` turns into SPML's tag
and box cues. ``--boxes`` loads the split's boxes (``weak_label='boxes'``),
keeps each class's CAM inside its boxes only and takes the box classes as the
image's classes.

``--random-walk`` applies SPML's Algorithm 2 (lines 1-2): the CAMs are
propagated by a random walk (64 steps, beta 20, gamma 5) on the embeddings
of an SPML model of the same images, before the box restriction.

The CAM pseudo-labels are the arg-max of the CAMs and, with a background
class, ``cam_cfg.bg_threshold``; without one (CamVid), pixels where every
kept CAM is below ``cam_cfg.bg_threshold`` are unlabelled (255, counted as
wrong by the scores); ``--labels-dir`` writes them as
``DIR/NAME.png``, for training configs that read label maps (e.g.
``_base_/datasets/camvid_label_map.py``). Where the dataset has dense masks,
they are scored with
``ContourMetric`` (mmseg's ``IoUMetric`` plus J, F and J&F): the table and
the per-class IoU are printed and, with ``--out-json``, saved.
"""
import argparse
import json
import os

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from tqdm import tqdm

from mmwsss.apis import (cam_file, cam_inference, init_spml_model,
                         random_walk_cams, restrict_cams_to_boxes, save_cams)
from mmwsss.datasets.transforms import loading_steps
from mmwsss.models.decode_heads.cam_head import sample_tags
from mmwsss.evaluation import ContourMetric, per_class_iou
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules

# share of the images above which a class is "always present" for a warning
ALWAYS_PRESENT = 0.95


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out_dir')
    parser.add_argument('--boxes', action='store_true',
                        help='restrict every CAM to the boxes of its class')
    parser.add_argument('--split', default='train', choices=['train', 'val'])
    parser.add_argument('--limit', type=int, help='first N images only')
    parser.add_argument('--no-tags', action='store_true',
                        help='keep the classes the classifier finds, not '
                        'the image tags')
    parser.add_argument('--random-walk', nargs=2,
                        metavar=('SPML_CONFIG', 'SPML_CHECKPOINT'),
                        help='propagate the CAMs on an SPML model\'s '
                        'embeddings (Algorithm 2)')
    parser.add_argument('--labels-dir',
                        help='also write the pseudo-label PNGs here')
    parser.add_argument('--out-json', help='write the scores here')
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def build_dataset(cfg, split: str, boxes: bool):
    """The split's images with their tags (or boxes) and dense masks, no
    augmentation."""
    ds_cfg = cfg[f'{split}_dataloader'].dataset.copy()
    if split == 'val':  # the training set's loading, on the val images
        train = cfg.train_dataloader.dataset
        ds_cfg.pipeline = train.pipeline
        ds_cfg.weak_label = train.get('weak_label', 'tags')
        ds_cfg.weak_ann = train.get('weak_ann')
    if boxes:
        ds_cfg.weak_label = 'boxes'
    ds_cfg.pipeline = loading_steps(ds_cfg.pipeline) + [
        dict(type='PackWeakSegInputs', target='dense')
    ]
    return DATASETS.build(ds_cfg)


def box_tags(sample, num_classes: int) -> torch.Tensor:
    """(num_classes,) multi-hot of the box labels."""
    tags = torch.zeros(num_classes)
    tags[sample.gt_instances.labels.long()] = 1
    return tags


def main(argv=None):
    """Writes the CAMs; returns the pseudo-label metrics (None without dense
    masks)."""
    args = parse_args(argv)
    register_all_modules()
    from mmseg.apis import init_model
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.no_tags:
        cfg.model.setdefault('cam_cfg', {})['use_tags'] = False
    model = init_model(cfg, args.checkpoint, device=args.device)
    head = model.decode_head
    if not hasattr(head, 'background_index'):
        raise TypeError(f'{args.config}: not a CAM classifier (decode head '
                        f'{type(head).__name__})')
    dataset = build_dataset(cfg, args.split, args.boxes)
    classes = dataset.metainfo['classes']
    count = len(dataset) if args.limit is None else min(args.limit,
                                                        len(dataset))
    if args.boxes:  # the box classes are the image's tags
        dataset.pipeline.transforms.append(
            lambda r: dict(r, data_samples=_with_box_tags(
                r['data_samples'], len(classes))))
    os.makedirs(args.out_dir, exist_ok=True)
    if args.labels_dir:
        os.makedirs(args.labels_dir, exist_ok=True)
    metric = ContourMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=classes)
    bg = head.background_index
    spml = None
    if args.random_walk:
        spml = init_spml_model(*args.random_walk, device=args.device)[1]
    tag_counts = np.zeros(len(classes), np.int64)
    tagged_images = 0
    for res in tqdm(cam_inference(model, dataset, range(count)), total=count,
                    desc='CAMs'):
        sample, cams = res['data_sample'], res['cams']
        path = sample.metainfo['img_path']
        if spml is not None:
            cams = random_walk_cams(spml, res['item'], cams)
        if args.boxes:
            cams = restrict_cams_to_boxes(cams, sample.gt_instances.bboxes,
                                          sample.gt_instances.labels, bg)
        if args.boxes or spml is not None:
            sample.pred_sem_seg.data = model.cams_to_scores(
                cams[None]).argmax(1)
        if bg is None:  # no background class: weak pixels are unlabelled
            sample.pred_sem_seg.data[:, cams.amax(0) <
                                     model.cam_cfg['bg_threshold']] = 255
        tagged = 'gt_tags' in sample and not args.no_tags
        if tagged:
            keys = sample_tags([sample], len(classes), bg, 'cpu')[0]
        else:  # the classes the classifier found
            keys = cams.flatten(1).amax(1).cpu() > 0
        keys = keys.nonzero().flatten()
        if tagged:
            tag_counts[cam_classes(keys, len(classes), bg)] += 1
            tagged_images += 1
        save_cams(cam_file(args.out_dir, path), cams, keys.tolist())
        if args.labels_dir:
            cv2.imwrite(
                cam_file(args.labels_dir, path)[:-4] + '.png',
                sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8))
        if 'gt_sem_seg' in sample:
            metric.process(None, [sample.to_dict()])
    print(f'wrote {count} CAM files to {args.out_dir}')
    tag_share = None
    if tagged_images:
        tag_share = {name: round(float(n) / tagged_images, 4)
                     for name, n in zip(classes, tag_counts)}
        warn_always_present(tag_share, tagged_images)
    if not metric.results:
        return None
    scores = metric.compute_metrics(metric.results)
    per_class = per_class_iou(metric.results, classes)
    out = dict(config=args.config, checkpoint=args.checkpoint,
               split=args.split, images=len(metric.results),
               boxes=args.boxes, tags=not args.no_tags,
               metrics={k: float(v) for k, v in scores.items()},
               per_class_iou=per_class, tag_share=tag_share)
    print(json.dumps(out, indent=1))
    if args.out_json:
        with open(args.out_json, 'w') as f:
            json.dump(out, f, indent=1)
    return out


def cam_classes(keys: torch.Tensor, num_classes: int, bg) -> np.ndarray:
    """Dataset class indices of CAM channel ``keys`` (the CAM channels skip
    the background class, if any)."""
    keys = keys.cpu().numpy().astype(np.int64)
    if bg is not None:
        keys = keys + (keys >= bg)
    return keys


def warn_always_present(tag_share: dict, images: int,
                        share: float = ALWAYS_PRESENT) -> list:
    """Warns about the classes among the tags of at least ``share`` of the
    images; returns their names."""
    names = [n for n, s in tag_share.items() if s >= share]
    if names and images >= 20:
        print(f'warning: {", ".join(names)} are among the classes of at '
              f'least {share:.0%} of the {images} images. A classifier '
              f'trained from these tags has almost no image without them, '
              f'so their CAMs are not localised by the tags '
              f'(configs/cam/README.md)')
    return names


def _with_box_tags(sample, num_classes):
    sample.gt_tags = box_tags(sample, num_classes)
    return sample


if __name__ == '__main__':
    main()
