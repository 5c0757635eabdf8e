"""MemoryBankHook: the same bank on every rank (two gloo processes), across
a resume (real toy training), and the refusal of a head with a bank to train
without the hook."""
import os
import os.path as osp

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.config import Config
from mmengine.runner import Runner

from mmwsss.models.utils import BankField, MemoryBank, all_gather_entry

from ..conftest import REPO

CONFIG = osp.join(
    REPO, 'configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py')

SPEC = dict(prototypes=BankField('segments', (4, ), torch.float32),
            labels=BankField('segments', (), torch.long),
            image=BankField('segments', (), torch.long, index_of='images'),
            tags=BankField('images', (3, ), torch.float32))


def rank_entry(rank):
    n, i = 3 + 2 * rank, 1 + rank  # different sizes on each rank
    return dict(prototypes=torch.full((n, 4), float(rank)),
                labels=torch.arange(n) + 10 * rank,
                image=torch.arange(n) % i,
                tags=torch.full((i, 3), float(rank)))


def _worker(rank, world, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    bank = MemoryBank(2, SPEC)
    for _ in range(3):
        entry, offsets = all_gather_entry(rank_entry(rank), SPEC)
        bank.push(entry)
    torch.save(dict(bank=bank.state_dict(), offsets=offsets),
               osp.join(out_dir, f'bank{rank}.pt'))
    dist.destroy_process_group()


def test_gather_gives_every_rank_the_same_bank(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.start_processes(_worker, args=(2, port, str(tmp_path)), nprocs=2,
                       join=True, start_method='spawn')
    out0 = torch.load(tmp_path / 'bank0.pt')
    out1 = torch.load(tmp_path / 'bank1.pt')
    b0, b1 = out0['bank'], out1['bank']
    assert len(b0['entries']) == 2
    for e0, e1 in zip(b0['entries'], b1['entries']):
        for k in e0:
            assert torch.equal(e0[k], e1[k]), k
    # the entry is rank 0's segments then rank 1's, images made distinct
    r0, r1 = rank_entry(0), rank_entry(1)
    e = b0['entries'][0]
    assert torch.equal(e['labels'], torch.cat([r0['labels'], r1['labels']]))
    assert torch.equal(e['image'],
                       torch.cat([r0['image'], r1['image'] + 1]))
    assert torch.equal(e['tags'], torch.cat([r0['tags'], r1['tags']]))
    # where each rank's own items start
    assert out0['offsets'] == dict(segments=0, images=0)
    assert out1['offsets'] == dict(segments=3, images=1)


def toy_cfg(toy_root, work_dir, iters):
    cfg = Config.fromfile(CONFIG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = toy_root
    cfg.work_dir = str(work_dir)
    # one visualizer (and its log files) per run, not the first of the process
    cfg.visualizer.name = f'visualizer_{work_dir}_{iters}'
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = 100
    cfg.param_scheduler[0].end = iters
    cfg.default_hooks.checkpoint.interval = iters
    cfg.train_dataloader.batch_size = 2
    return cfg


def test_bank_fills_and_survives_resume(toy_root, tmp_path):
    runner = Runner.from_cfg(toy_cfg(toy_root, tmp_path, 3))
    runner.train()
    bank = runner.model.decode_head.memory_bank
    assert len(bank) == 2  # the last two of three batches
    state = bank.state_dict()
    ckpt = torch.load(tmp_path / 'iter_3.pth', weights_only=False)
    assert 'memory_banks' in ckpt
    cfg = toy_cfg(toy_root, tmp_path, 3)
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.train()  # loads iter_3.pth, nothing left to train
    got = resumed.model.decode_head.memory_bank.state_dict()
    assert len(got['entries']) == 2
    for e0, e1 in zip(state['entries'], got['entries']):
        for k in e0:
            assert torch.equal(e0[k], e1[k]), k


def test_head_with_bank_refuses_to_train_without_the_hook(toy_root,
                                                         tmp_path):
    cfg = toy_cfg(toy_root, tmp_path, 1)
    cfg.custom_hooks = []
    runner = Runner.from_cfg(cfg)
    with pytest.raises(RuntimeError, match=r"custom_hooks.*memory_batches=0"):
        runner.train()
    assert runner.iter == 0  # refused at the first step
