"""ExpansionScoreHook: the step, epoch updates against an independent
computation (epoch- and iteration-based loops), checkpoints, refusal of a
head without distance fields, and a short real training run."""
import itertools
import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop

from mmwsss.engine.hooks import expansion_score_hook as esh
from mmwsss.engine.hooks.expansion_score_hook import (ExpansionScoreHook,
                                                      expansion_step)
from mmwsss.registry import HOOKS

_hub_ids = itertools.count()


class FakeEpochLoop(EpochBasedTrainLoop):

    def __init__(self):
        pass


class FakeIterLoop(IterBasedTrainLoop):

    def __init__(self):
        pass


class FieldsHead:
    e_obj = 0.7  # overwritten by the hook
    e_bg = 0.7


def fake_runner(loop, epoch_len, head=None):
    hub = MessageHub.get_instance(f'test_expansion_score_{next(_hub_ids)}')
    return SimpleNamespace(
        train_loop=loop, model=SimpleNamespace(
            decode_head=FieldsHead() if head is None else head),
        message_hub=hub, train_dataloader=[None] * epoch_len, epoch=0)


def reference(epoch_losses, eta=0.025, omega=-0.025, speed=2.0):
    """E_obj, E_bg after each epoch, written out independently."""
    e_obj = e_bg = 0.0
    out = []
    for e, loss in enumerate(epoch_losses):
        if e > 0:
            gamma = epoch_losses[e - 1] / loss - 1
            step = omega if gamma < omega else eta if gamma > eta else gamma
            e_bg = min(1.0, max(0.0, e_bg + step))
            e_obj = min(1.0, max(0.0, e_obj + speed * step))
        out.append((e_obj, e_bg))
    return out


def iter_losses(mean, n):
    """n iteration losses (tensors) whose mean is ``mean``."""
    spread = [0.1 * (i - (n - 1) / 2) for i in range(n)]
    return [torch.tensor(mean * (1 + s), dtype=torch.float64)
            for s in spread]


def flat(pairs):
    return [x for pair in pairs for x in pair]


def run_epochs(hook, runner, epoch_losses, epoch_len):
    """Drives the hook over whole epochs of an epoch-based loop."""
    seen = []
    for e, mean in enumerate(epoch_losses):
        runner.epoch = e
        hook.before_train_epoch(runner)
        for i, loss in enumerate(iter_losses(mean, epoch_len)):
            hook.after_train_iter(runner, i, None, dict(loss=loss, acc=1.))
        hook.after_train_epoch(runner)
        seen.append((hook.e_obj, hook.e_bg))
    return seen


def test_expansion_step():
    assert expansion_step(1.0, 0.5, 0.025, -0.025) == 0.025  # capped at eta
    assert expansion_step(1.0, 2.0, 0.025, -0.025) == -0.025  # at omega
    assert expansion_step(1.01, 1.0, 0.025, -0.025) == pytest.approx(0.01)
    assert expansion_step(0.99, 1.0, 0.025, -0.025) == pytest.approx(-0.01)
    assert expansion_step(1.0, 1.0, 0.025, -0.025) == 0.0
    assert expansion_step(3.0, 2.0, 1.0, -1.0) == 0.5
    with pytest.raises(ValueError, match='positive'):
        expansion_step(1.0, 0.0, 0.025, -0.025)
    with pytest.raises(ValueError, match='finite'):
        expansion_step(float('nan'), 1.0, 0.025, -0.025)
    with pytest.raises(ValueError, match='must not exceed'):
        expansion_step(1.0, 1.0, -0.1, 0.1)


def test_registered():
    hook = HOOKS.build(dict(type='ExpansionScoreHook', eta=0.05))
    assert isinstance(hook, ExpansionScoreHook) and hook.eta == 0.05
    with pytest.raises(ValueError, match='must not exceed'):
        ExpansionScoreHook(eta=-0.1, omega=0.1)


def test_epoch_updates():
    runner = fake_runner(FakeEpochLoop(), 4)
    hook = ExpansionScoreHook()
    hook.before_train(runner)
    head = runner.model.decode_head
    assert (head.e_obj, head.e_bg) == (0.0, 0.0)
    losses = [1.0, 0.5, 0.49, 0.6, 0.6, 0.59]
    seen = run_epochs(hook, runner, losses, 4)
    ref = reference(losses)
    assert seen[0] == (0.0, 0.0)  # the first epoch only records its loss
    # By hand: +0.025 (capped), +0.0204, -0.025 (capped), 0, +0.0169.
    assert seen[1] == pytest.approx((0.05, 0.025))
    assert seen[2] == pytest.approx((0.05 + 2 / 49, 0.025 + 1 / 49))
    assert seen[3] == pytest.approx((2 / 49, 1 / 49))
    assert seen[4] == pytest.approx(seen[3])
    assert flat(seen) == pytest.approx(flat(ref))
    assert (head.e_obj, head.e_bg) == pytest.approx(ref[-1])
    hub = runner.message_hub
    assert hub.get_scalar('train/e_obj').current() == pytest.approx(
        ref[-1][0])
    assert hub.get_scalar('train/e_bg').current() == pytest.approx(ref[-1][1])


def test_clamped_to_unit_interval():
    runner = fake_runner(FakeEpochLoop(), 2)
    hook = ExpansionScoreHook()
    hook.before_train(runner)
    down = [1.0 * 0.5**e for e in range(45)]
    seen = run_epochs(hook, runner, down, 2)
    assert flat(seen) == pytest.approx(flat(reference(down)))
    assert seen[20][0] == pytest.approx(1.0)  # 20 steps of 0.05
    assert seen[-1] == (1.0, 1.0)
    runner = fake_runner(FakeEpochLoop(), 2)
    hook = ExpansionScoreHook()
    hook.before_train(runner)
    seen = run_epochs(hook, runner, [1.0, 2.0, 1.99, 4.0], 2)
    assert flat(seen) == pytest.approx(
        flat(reference([1.0, 2.0, 1.99, 4.0])))
    assert seen[1] == (0.0, 0.0) and seen[3] == (0.0, 0.0)
    assert seen[2] == pytest.approx((2 * (2 / 1.99 - 1), 2 / 1.99 - 1))


def test_iteration_based_loop():
    epoch_len = 3
    runner = fake_runner(FakeIterLoop(), epoch_len)
    hook = ExpansionScoreHook(eta=0.1, omega=-0.05, object_speed=3.0)
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    losses = [2.0, 1.9, 1.5, 1.6]
    seen = []
    it = 0
    for mean in losses:
        for loss in iter_losses(mean, epoch_len):
            hook.after_train_iter(runner, it, None, dict(loss=loss))
            it += 1
            if it % epoch_len:
                seen_mid = (hook.e_obj, hook.e_bg)
                assert seen_mid == (seen[-1] if seen else (0.0, 0.0))
        seen.append((hook.e_obj, hook.e_bg))
    hook.after_train_epoch(runner)  # end of training: no extra update
    assert (hook.e_obj, hook.e_bg) == seen[-1]
    assert flat(seen) == pytest.approx(
        flat(reference(losses, 0.1, -0.05, 3.0)))


def test_checkpoint_round_trip():
    epoch_len = 3
    losses = [2.0, 1.9, 1.5, 1.6]
    flat = [x for m in losses for x in iter_losses(m, epoch_len)]
    # Uninterrupted.
    runner = fake_runner(FakeIterLoop(), epoch_len)
    full = ExpansionScoreHook()
    full.before_train(runner)
    for it, loss in enumerate(flat):
        full.after_train_iter(runner, it, None, dict(loss=loss))
    # Saved after iteration 7 (mid-epoch), resumed by a new hook.
    runner = fake_runner(FakeIterLoop(), epoch_len)
    first = ExpansionScoreHook()
    first.before_train(runner)
    for it, loss in enumerate(flat[:7]):
        first.after_train_iter(runner, it, None, dict(loss=loss))
    ckpt = dict(meta=dict())
    first.before_save_checkpoint(runner, ckpt)
    assert ckpt['expansion_score']['loss_count'] == 1
    ckpt = torch.load(_save(ckpt), weights_only=False)
    runner = fake_runner(FakeIterLoop(), epoch_len)
    second = ExpansionScoreHook()
    second.after_load_checkpoint(runner, ckpt)
    second.before_train(runner)
    assert runner.model.decode_head.e_obj == first.e_obj
    for it, loss in enumerate(flat[7:], start=7):
        second.after_train_iter(runner, it, None, dict(loss=loss))
    assert second.state_dict() == pytest.approx(full.state_dict())
    assert second.e_obj > 0


def _save(obj):
    import io
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return buf


def test_resume_without_state_warns(monkeypatch):
    logged = []
    monkeypatch.setattr(esh, 'print_log',
                        lambda msg, **kw: logged.append((msg, kw)))
    runner = fake_runner(FakeEpochLoop(), 2)
    hook = ExpansionScoreHook()
    hook.before_train(runner)
    run_epochs(hook, runner, [1.0, 0.5], 2)
    assert hook.e_obj > 0 and hook.prev_loss is not None
    logged.clear()
    hook.after_load_checkpoint(runner, dict(meta=dict()))
    assert hook.state_dict() == dict(e_obj=0.0, e_bg=0.0, prev_loss=None,
                                     loss_sum=0.0, loss_count=0)
    assert len(logged) == 1
    assert 'no expansion scores' in logged[0][0]
    assert logged[0][1] == dict(logger='current', level=30)


def test_non_finite_loss_skips_the_epoch(monkeypatch):
    monkeypatch.setattr(esh, 'print_log', lambda msg, **kw: None)
    runner = fake_runner(FakeEpochLoop(), 2)
    hook = ExpansionScoreHook()
    hook.before_train(runner)
    seen = run_epochs(hook, runner, [1.0, 0.5, math.nan, 0.4, 0.3], 2)
    e1 = reference([1.0, 0.5])[-1]
    assert seen[2] == pytest.approx(e1) and seen[3] == pytest.approx(e1)
    step = 0.4 / 0.3 - 1
    assert seen[4] == pytest.approx((e1[0] + 2 * min(step, 0.025),
                                     e1[1] + min(step, 0.025)))


def test_refuses_head_without_fields():

    class PlainHead:
        pass

    runner = fake_runner(FakeEpochLoop(), 2, head=PlainHead())
    with pytest.raises(TypeError, match='PlainHead'):
        ExpansionScoreHook().before_run(runner)
    with pytest.raises(TypeError, match='PlainHead'):
        ExpansionScoreHook().before_train(runner)

    class NoHeadModel:
        pass

    runner.model = NoHeadModel()
    with pytest.raises(TypeError, match='NoHeadModel has no decode_head'):
        ExpansionScoreHook().before_train(runner)

    runner = fake_runner(SimpleNamespace(), 2)
    with pytest.raises(TypeError, match='SimpleNamespace'):
        ExpansionScoreHook().before_train(runner)


def test_real_runner(tmp_path):
    """Three epochs of a toy model under mmengine's Runner (CPU)."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch import nn

    class Head(nn.Module):

        def __init__(self):
            super().__init__()
            self.e_obj = 0.0
            self.register_buffer('e_bg', torch.zeros(()))

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.tensor(1.0))
            self.decode_head = Head()
            self.seen = []

        def forward(self, x, mode='loss'):
            self.seen.append((self.decode_head.e_obj,
                              float(self.decode_head.e_bg)))
            loss = self.w**2 * x.mean() + 0.1
            return dict(loss=loss)

    data = [dict(x=torch.tensor(float(i + 1))) for i in range(4)]

    def make_runner(name, **kwargs):
        return Runner(
            model=Toy(), work_dir=str(tmp_path / name), experiment_name=name,
            train_dataloader=dict(dataset=data, batch_size=2,
                                  sampler=dict(type='DefaultSampler',
                                               shuffle=False),
                                  collate_fn=dict(type='default_collate')),
            train_cfg=dict(by_epoch=True, max_epochs=3),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05)),
            custom_hooks=[ExpansionScoreHook()],
            default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                               checkpoint=dict(type='CheckpointHook',
                                               interval=1)),
            default_scope='mmwsss', **kwargs)

    runner = make_runner(f'esh_run_{next(_hub_ids)}')
    model = runner.model
    losses = []
    runner.register_hook(_LossRecorder(losses), 'LOWEST')
    runner.train()
    means = [sum(losses[2 * e:2 * e + 2]) / 2 for e in range(3)]
    ref = reference(means)
    assert ref[-1][0] > 0
    assert (model.decode_head.e_obj,
            float(model.decode_head.e_bg)) == pytest.approx(ref[-1])
    # The head saw each epoch's scores during the next epoch.
    assert flat(model.seen) == pytest.approx(
        flat([ref[0]] * 4 + [ref[1]] * 2))
    work_dir = Path(runner.work_dir)
    scalars = [json.loads(line) for line in open(
        next(work_dir.glob('*/vis_data/scalars.json')))]
    logged = [(s['e_obj'], s['e_bg']) for s in scalars if 'e_obj' in s]
    # Logged at every iteration: during epoch e, the scores after e - 1.
    assert flat(logged) == pytest.approx(flat([ref[0]] * 4 + [ref[1]] * 2))
    ckpt = torch.load(work_dir / 'epoch_3.pth', weights_only=False)
    assert ckpt['expansion_score']['e_obj'] == pytest.approx(ref[-1][0])

    # Resumed after epoch 2: the scores go on from the checkpoint's.
    resumed = make_runner(f'esh_resume_{next(_hub_ids)}',
                          load_from=str(work_dir / 'epoch_2.pth'),
                          resume=True)
    resumed.train()
    assert flat(resumed.model.seen) == pytest.approx(flat([ref[1]] * 2))
    head = resumed.model.decode_head
    assert (head.e_obj, float(head.e_bg)) == pytest.approx(ref[-1])


class _LossRecorder(esh.Hook):

    def __init__(self, losses):
        self.losses = losses

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.losses.append(float(outputs['loss'].detach()))
