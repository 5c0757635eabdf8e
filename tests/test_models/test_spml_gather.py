"""SPMLHead across processes: two gloo processes under DistributedDataParallel
give the loss and the gradients of one process that holds the union batch.

The union batch is 3 images; process 0 holds images 0 and 1, process 1 image
2 (unequal, so that a mean per process would differ from the mean over all
pixels). Both hold the same memory bank (two entries). The reference is
``naive_relation_losses`` on the union batch, in this process, with the same
head weights.

What is compared, and why it is the equality that matters:

- loss: for each relation, the mean of the two processes' losses equals the
  union batch's loss (a process's loss is ``world * sum over its pixels / N``
  with N counted over all processes, so the mean is ``sum / N``);
- parameters: the decoder's gradients after DDP's averaging, on each process,
  equal the union batch's gradients; that is what the optimiser applies;
- inputs: each process's gradient with respect to its own input features is
  ``world`` times the union batch's gradient for those images (the inputs
  are not averaged by DDP; each process's gradient is that of the sum of
  all processes' losses, ``world`` times the union loss).

With ``gather_batch=False`` the mean loss differs from the union's: the
comparison is able to fail.
"""
import os
import os.path as osp
import socket
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from .spml_reference import (LAMBDA, bank_entries, make_head, make_samples,
                             naive_relation_losses)

WORLD = 2
SPLIT = ([0, 1], [2])  # images of each process


def union_inputs():
    g = torch.Generator().manual_seed(21)
    samples = make_samples(g, B=3)
    feats = torch.randn(3, 4, 5, 6, generator=g, dtype=torch.double)
    bank = bank_entries(g)
    return feats, samples, bank


def build_head(bank):
    torch.manual_seed(0)
    head = make_head().double()
    for entry in bank:
        head.memory_bank.push(entry)
    head.train()
    return head


class RelationLoss(nn.Module):
    """The head's training path from decoder features to relation losses."""

    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, feats, samples):
        return self.head.relation_loss(self.head.embed([feats]), samples)


def _worker(rank, port, out_dir):
    from mmwsss.utils import register_all_modules
    register_all_modules()
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=WORLD,
                            timeout=timedelta(seconds=120))
    feats, samples, bank = union_inputs()
    mine = SPLIT[rank]
    x = feats[mine].clone().requires_grad_(True)
    local = [samples[i] for i in mine]
    head = build_head(bank)
    model = nn.parallel.DistributedDataParallel(
        RelationLoss(head), find_unused_parameters=True)
    losses = model(x, local)
    sum(losses.values()).backward()
    out = dict(
        losses={k: v.item() for k, v in losses.items()},
        input_grad=x.grad,
        param_grads={n: p.grad for n, p in head.decoder.named_parameters()})
    # each process alone with the same bank: its own images only
    alone = build_head(bank)
    alone.gather_batch = False
    with torch.no_grad():
        out['alone'] = {k: v.item() for k, v in RelationLoss(alone)(
            x.detach(), local).items()}
    torch.save(out, osp.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


def test_two_processes_give_the_union_batch(tmp_path):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.start_processes(_worker, args=(port, str(tmp_path)), nprocs=WORLD,
                       join=True, start_method='spawn')
    got = [torch.load(tmp_path / f'rank{r}.pt') for r in range(WORLD)]

    feats, samples, bank = union_inputs()
    head = build_head(bank)
    x = feats.clone().requires_grad_(True)
    want = naive_relation_losses(head.embed([x]), samples, bank)
    sum(want.values()).backward()

    for r in LAMBDA:
        mean = sum(g['losses'][f'loss_{r}'] for g in got) / WORLD
        assert abs(mean - want[r].item()) < 1e-9, r
    for name, p in head.decoder.named_parameters():
        for g in got:
            torch.testing.assert_close(g['param_grads'][name], p.grad)
    for rank, g in enumerate(got):
        torch.testing.assert_close(g['input_grad'] / WORLD,
                                   x.grad[SPLIT[rank]])
    # processes that do not share their batch give another loss
    alone = {r: sum(g['alone'][f'loss_{r}'] for g in got) / WORLD
             for r in ('annotation', 'cooccurrence')}
    assert any(abs(alone[r] - want[r].item()) > 1e-3 for r in alone)
