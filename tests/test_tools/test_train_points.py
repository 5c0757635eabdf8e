"""Short real training runs of the point methods on the toy set: PMP with
its per-epoch expansion scores (logged, checkpointed, resumed), PDML with
the triplet loss and extension switched on after its warm-up."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from ..conftest import REPO
from .test_train import toy_cfg

PMP = osp.join(REPO, 'configs/pmp/pmp_r18-tiny_1xb8-400it_toy-64x64.py')
PDML = osp.join(REPO, 'configs/pdml/pdml_r18-tiny_1xb8-400it_toy-64x64.py')
LR_BATCH = {
    'optim_wrapper.optimizer.lr': 0.05,
    'train_dataloader.batch_size': 4
}


def log_rows(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    return [json.loads(line) for line in open(logs[-1])]


def test_pmp_expansion_scores_over_epochs(toy_root, tmp_path):
    # the fixture's 12 training images in batches of 4: an epoch is 3
    # iterations
    cfg = toy_cfg(toy_root, tmp_path, 9, PMP, ckpt=6, **LR_BATCH)
    runner = Runner.from_cfg(cfg)
    runner.train()
    rows = log_rows(tmp_path)
    train = [r for r in rows if 'loss' in r]
    assert len(train) == 9
    assert {'decode.loss_pce', 'decode.pseudo_labelled',
            'decode.skipped_images', 'e_obj', 'e_bg'} <= set(train[-1])
    # no update after epoch 1; the first comes at the end of epoch 2
    # (iteration 6, logged with it)
    scores = [(r['e_obj'], r['e_bg']) for r in train]
    assert scores[:5] == [(0.0, 0.0)] * 5
    assert scores[6] == scores[7] == scores[5]
    # the step from the epoch means of the logged losses; E_obj twice E_bg
    means = [sum(r['loss'] for r in train[3 * e:3 * e + 3]) / 3
             for e in range(2)]
    step = min(max(means[0] / means[1] - 1, -0.025), 0.025)
    assert scores[5] == pytest.approx(
        (min(max(2 * step, 0.0), 1.0), max(step, 0.0)), abs=1e-4)
    hook = next(h for h in runner.hooks
                if type(h).__name__ == 'ExpansionScoreHook')
    head = runner.model.decode_head
    assert (head.e_obj, head.e_bg) == (hook.e_obj, hook.e_bg)
    ckpt = torch.load(tmp_path / 'iter_6.pth', weights_only=False)
    assert (ckpt['expansion_score']['e_obj'],
            ckpt['expansion_score']['e_bg']) == pytest.approx(scores[5])
    # resumed from iteration 6: the scores go on from the checkpoint's
    cfg = toy_cfg(toy_root, tmp_path / 'resumed', 9, PMP, ckpt=6,
                  **LR_BATCH)
    cfg.resume = True
    cfg.load_from = str(tmp_path / 'iter_6.pth')
    runner = Runner.from_cfg(cfg)
    runner.train()
    resumed = [(r['e_obj'], r['e_bg'])
               for r in log_rows(tmp_path / 'resumed') if 'loss' in r]
    assert len(resumed) == 3 and resumed[:2] == scores[6:8]


def test_pmp_without_fields_refuses_the_hook(toy_root, tmp_path):
    cfg = toy_cfg(toy_root, tmp_path, 2, PMP,
                  **{'model.decode_head.distance_fields': False})
    runner = Runner.from_cfg(cfg)
    with pytest.raises(TypeError, match='distance fields'):
        runner.train()


def test_pdml_triplet_and_extension(toy_root, tmp_path):
    cfg = toy_cfg(toy_root, tmp_path, 8, PDML, **{
        'model.decode_head.extension.start_iter': 4,
        'model.decode_head.extension.threshold': 0.3
    })
    Runner.from_cfg(cfg).train()
    train = [r for r in log_rows(tmp_path) if 'loss' in r]
    assert len(train) == 8
    assert all('decode.loss_triplet' in r for r in train)
    assert all(r['decode.loss_triplet'] > 0 for r in train)
    # the runner's iteration counts from 0: on from the fifth iteration
    assert [('decode.loss_extend' in r) for r in train] == [False] * 4 + [
        True
    ] * 4
