"""Precompute PMP's point blots of a dataset's point clicks as label PNGs.

    python tools/dataset_converters/make_point_blots.py CONFIG OUT_DIR \
        [--split train|val] [--limit N] [--cfg-options ...]

Reads the points of the config's training set (``weak_label='points'``, or
boxes that the pipeline's ``PointsFromBoxes`` turns into points)
through the loading steps of its pipeline (``LoadWeakAnnotations`` or
``GenerateWeakLabelsFromMask``, no augmentation), grows their blots
(``mmwsss.datasets.generators.point_blots``) and writes ``OUT_DIR/NAME.png``:
one-channel uint8 labels, 255 outside the blots. The arguments and seed are
those of the pipeline's ``GeneratePointBlots`` step when it has one (its
defaults otherwise), so the PNGs are what that step computes on the fly:
use them as its ``cache_dir``, or read them with
``LoadPointBlots(blot_dir=OUT_DIR)``. Images without points are skipped
(no PNG) and counted.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from tqdm import tqdm

from mmwsss.datasets.transforms import GeneratePointBlots, loading_steps
from mmwsss.datasets.transforms.point_blots import write_blots
from mmwsss.registry import DATASETS
from mmwsss.utils import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('out_dir')
    parser.add_argument('--split', default='train', choices=['train', 'val'])
    parser.add_argument('--limit', type=int, help='first N images only')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def blot_transform(pipeline) -> GeneratePointBlots:
    """The pipeline's ``GeneratePointBlots`` step without its cache, or one
    with the default arguments."""
    for step in pipeline:
        if step.get('type') == 'GeneratePointBlots':
            kwargs = {k: v for k, v in step.items()
                      if k not in ('type', 'cache_dir')}
            return GeneratePointBlots(**kwargs)
    return GeneratePointBlots()


def main(argv=None):
    """Writes the PNGs; returns ``(written, skipped)``."""
    args = parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    ds_cfg = cfg.train_dataloader.dataset.copy()
    from_boxes = any(t.get('type') == 'PointsFromBoxes'
                     for t in ds_cfg.pipeline)
    if ds_cfg.get('weak_label') != 'points' and not from_boxes:
        raise SystemExit(f'{args.config}: the training set must use points '
                         '(or boxes turned into points by PointsFromBoxes), '
                         f'not {ds_cfg.get("weak_label")}')
    if args.split == 'val':
        val = cfg.val_dataloader.dataset
        ds_cfg.update(data_prefix=val.data_prefix, ann_file=val.ann_file)
    blots = blot_transform(ds_cfg.pipeline)
    ds_cfg.pipeline = loading_steps(ds_cfg.pipeline, with_seg=False)
    dataset = DATASETS.build(ds_cfg)
    os.makedirs(args.out_dir, exist_ok=True)
    n = len(dataset) if args.limit is None else min(args.limit, len(dataset))
    written = skipped = 0
    for i in tqdm(range(n), desc='point blots', unit='img'):
        r = dataset[i]
        if 'gt_points' not in r:
            raise SystemExit(f'{r["img_path"]}: the dataset gives no point '
                             f'clicks (dense pseudo-masks?)')
        if len(r['gt_points']) == 0:
            skipped += 1
            continue
        name = osp.splitext(osp.basename(r['img_path']))[0]
        path = osp.join(args.out_dir, name + '.png')
        write_blots(path, blots.generate(r))
        written += 1
    print(f'wrote {written} point-blot maps to {args.out_dir}, skipped '
          f'{skipped} images without points')
    return written, skipped


if __name__ == '__main__':
    main()
