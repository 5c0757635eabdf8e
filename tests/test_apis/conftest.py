"""A short SPML run on the toy set, shared by the tests of this folder, and
helpers: a tool loaded as a module, the naive mIoU of a folder of PNGs."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from ..conftest import REPO, load_tool  # noqa: F401

SPML_TOY_CONFIG = osp.join(
    REPO, 'configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py')
SPML_TOY_ITERS = 100


def naive_iou(pred_dir, mask_dir, num_classes):
    """Per-class IoU (in %) over a folder of label PNGs: intersection and
    union summed over the images; NaN for a class with an empty union."""
    inter = np.zeros(num_classes)
    union = np.zeros(num_classes)
    for png in sorted(pred_dir.glob('*.png')):
        pred = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
        gt = cv2.imread(osp.join(mask_dir, png.name), cv2.IMREAD_UNCHANGED)
        valid = gt != 255
        for c in range(num_classes):
            p, g = (pred == c) & valid, (gt == c) & valid
            inter[c] += (p & g).sum()
            union[c] += (p | g).sum()
    iou = np.full(num_classes, np.nan)
    present = union > 0
    iou[present] = 100 * inter[present] / union[present]
    return iou


def naive_miou(pred_dir, mask_dir, num_classes):
    """mIoU over a folder of label PNGs: the mean of ``naive_iou`` over the
    classes with a non-empty union."""
    return float(np.nanmean(naive_iou(pred_dir, mask_dir, num_classes)))


@pytest.fixture(scope='session')
def spml_toy_checkpoints(toy_root, tmp_path_factory):
    """Checkpoints of the toy SPML scribble config: trained for
    ``SPML_TOY_ITERS`` iterations (seed 0, one thread, no validation) and
    untrained
    (the same model as built, seed 0).

    Returns:
        dict: ``config``, ``trained`` and ``untrained`` paths.
    """
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmwsss.registry import MODELS
    work_dir = tmp_path_factory.mktemp('spml_toy')
    cfg = Config.fromfile(SPML_TOY_CONFIG)
    cfg.train_dataloader.dataset.data_root = toy_root
    cfg.work_dir = str(work_dir)
    cfg.visualizer.name = f'visualizer_{work_dir}'
    cfg.train_cfg.max_iters = SPML_TOY_ITERS
    cfg.train_cfg.val_interval = SPML_TOY_ITERS
    cfg.param_scheduler[0].end = SPML_TOY_ITERS
    cfg.default_hooks.checkpoint.interval = SPML_TOY_ITERS
    cfg.default_hooks.logger.interval = SPML_TOY_ITERS
    for key in ('val', 'test'):
        cfg[f'{key}_dataloader'] = cfg[f'{key}_cfg'] = None
        cfg[f'{key}_evaluator'] = None
    # one thread: the tiny model trains as fast, and a shared CPU does not
    # stall it in OpenMP barriers
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        Runner.from_cfg(cfg).train()
    finally:
        torch.set_num_threads(threads)
    trained = osp.join(str(work_dir), f'iter_{SPML_TOY_ITERS}.pth')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(SPML_TOY_CONFIG).model)
    untrained = str(work_dir / 'untrained.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), untrained)
    return dict(config=SPML_TOY_CONFIG, trained=trained, untrained=untrained)
