"""Short real training runs on the toy set: single process, resume, two
processes (gloo)."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

from ..conftest import REPO

CONFIG = osp.join(REPO,
                  'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py')


def toy_cfg(toy_root, work_dir, iters, config=CONFIG, **extra):
    cfg = Config.fromfile(config)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = toy_root
    cfg.work_dir = str(work_dir)
    # one visualizer (and its log files) per run, not the first of the process
    cfg.visualizer.name = f'visualizer_{work_dir}_{iters}'
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.param_scheduler[0].end = iters
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = extra.pop('ckpt', iters)
    cfg.merge_from_dict(extra)
    return cfg


def losses(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', '*.json')))
    rows = [json.loads(line) for line in open(logs[-1])]
    return [r['loss'] for r in rows if 'loss' in r], rows


def test_short_training_decreases_loss(toy_root, tmp_path):
    cfg = toy_cfg(toy_root, tmp_path, 40)
    runner = Runner.from_cfg(cfg)
    runner.train()
    values, rows = losses(tmp_path)
    assert len(values) == 40
    assert np.mean(values[-8:]) < 0.7 * np.mean(values[:8])
    metrics = [r for r in rows if 'mIoU' in r]
    assert metrics and {'J', 'F', 'J&F'} <= set(metrics[-1])


def test_resume(toy_root, tmp_path):
    cfg = toy_cfg(toy_root, tmp_path, 4, ckpt=2)
    Runner.from_cfg(cfg).train()
    assert osp.isfile(tmp_path / 'iter_4.pth')
    cfg = toy_cfg(toy_root, tmp_path, 6, ckpt=2)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 6
    assert osp.isfile(tmp_path / 'iter_6.pth')
    # tools/test.py evaluates the checkpoint and writes prediction PNGs
    out_dir = tmp_path / 'preds'
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools/test.py'), CONFIG,
         str(tmp_path / 'iter_6.pth'), '--work-dir', str(tmp_path / 'test'),
         '--out', str(out_dir), '--cfg-options',
         f'test_dataloader.dataset.data_root={toy_root}'],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'mIoU' in proc.stdout and 'J&F' in proc.stdout
    assert len(os.listdir(out_dir)) == 4  # one PNG per validation image


def test_two_process_training_on_cpu(toy_root, tmp_path):
    env = dict(os.environ, PYTHON=sys.executable, PORT='29631',
               OMP_NUM_THREADS='1')
    cmd = [
        'bash', osp.join(REPO, 'tools/dist_train.sh'), CONFIG, '2',
        '--work-dir', str(tmp_path), '--cfg-options',
        f'train_dataloader.dataset.data_root={toy_root}',
        f'val_dataloader.dataset.data_root={toy_root}',
        f'test_dataloader.dataset.data_root={toy_root}',
        'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
        'default_hooks.checkpoint.interval=4', 'train_dataloader.batch_size=2'
    ]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert osp.isfile(tmp_path / 'iter_4.pth')
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
