"""PDML's cross-image triplet loss against hand-worked values, a naive
reference written from the spec with Python loops, and two gloo processes
against one process holding the union batch."""
import math
import os
import os.path as osp
import socket
import time
from collections import defaultdict
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from mmwsss.models.losses.triplet_metric_loss import (TripletMetricLoss,
                                                      sample_triplets,
                                                      triplet_metric_loss)

ALPHA, BETA, MARGIN = 0.8, 1.0, 20.0


# ---------------------------------------------------------------- reference
def naive_triplets(labels, image_ids, generator=None):
    """The spec, literally: for each ordered pair of different images (n, m)
    and each anchor of n, shuffle the positives and the negatives of m and
    pair them in order."""
    labels, image_ids = labels.tolist(), image_ids.tolist()
    points = range(len(labels))
    triplets = []
    for n in sorted(set(image_ids)):
        for m in sorted(set(image_ids)):
            if n == m:
                continue
            for a in points:
                if image_ids[a] != n:
                    continue
                pos = [j for j in points
                       if image_ids[j] == m and labels[j] == labels[a]]
                neg = [j for j in points
                       if image_ids[j] == m and labels[j] != labels[a]]
                pos = [pos[i] for i in
                       torch.randperm(len(pos), generator=generator)]
                neg = [neg[i] for i in
                       torch.randperm(len(neg), generator=generator)]
                triplets += [(a, p, q) for p, q in zip(pos, neg)]
    return triplets


def naive_loss(emb, triplets, alpha=ALPHA, beta=BETA, margin=MARGIN):
    terms = []
    for a, p, q in triplets:
        d_ap = torch.sqrt(((emb[a] - emb[p])**2).sum())
        d_an = torch.sqrt(((emb[a] - emb[q])**2).sum())
        terms.append(alpha * d_ap +
                     beta * torch.clamp(d_ap - d_an + margin, min=0))
    return torch.stack(terms).mean()


def random_batch(seed, num_points=24, num_images=4, num_classes=3, dim=5):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(num_classes, (num_points, ), generator=g)
    image_ids = torch.randint(num_images, (num_points, ), generator=g) * 3
    emb = torch.randn(num_points, dim, generator=g, dtype=torch.double) * 10
    return emb, labels, image_ids


def forced_batch():
    """Three images holding one point of class 0 and one of class 1 each,
    and a fourth holding one point of class 0: every (anchor, partner)
    group has at most one positive and one negative, so the triplets are
    fixed."""
    labels = torch.tensor([0, 1, 1, 0, 0, 1, 0])
    image_ids = torch.tensor([0, 0, 1, 1, 2, 2, 3])
    g = torch.Generator().manual_seed(3)
    emb = torch.randn(7, 3, generator=g, dtype=torch.double) * 8
    return emb, labels, image_ids


# ------------------------------------------------------------- hand-worked
def test_hand_worked_values():
    # one triplet: a = (0, 0) in image 0; p = (3, 4), q = (6, 8) in image 1
    emb = torch.tensor([[0., 0.], [3., 4.], [6., 8.]])
    labels = torch.tensor([0, 0, 1])
    image_ids = torch.tensor([0, 1, 1])
    # d_ap = 5, d_an = 10: 0.8 * 5 + max(5 - 10 + 20, 0) = 19
    loss = triplet_metric_loss(emb, labels, image_ids)
    assert loss.item() == pytest.approx(19.0)
    # the hinge is inactive for a margin of 2: 0.8 * 5
    assert triplet_metric_loss(emb, labels, image_ids, margin=2.0).item() \
        == pytest.approx(4.0)
    loss = TripletMetricLoss(alpha=0.5, beta=2.0, margin=10.0,
                             loss_weight=3.0)(emb, labels, image_ids)
    assert loss.item() == pytest.approx(3 * (0.5 * 5 + 2 * 5))

    # four forced triplets: image 0 holds a = (0, 0) (class 0) and
    # b = (1, 0) (class 1); image 1 holds p = (3, 4) (0) and q = (6, 8) (1)
    emb = torch.tensor([[0., 0.], [1., 0.], [3., 4.], [6., 8.]])
    labels = torch.tensor([0, 1, 0, 1])
    image_ids = torch.tensor([0, 0, 1, 1])
    # (a, p, q): 5, 10; (b, q, p): sqrt(89), sqrt(20);
    # (p, a, b): 5, sqrt(20); (q, b, a): sqrt(89), 10
    pairs = [(5, 10), (math.sqrt(89), math.sqrt(20)),
             (5, math.sqrt(20)), (math.sqrt(89), 10)]
    want = sum(0.8 * dp + max(dp - dn + 20, 0) for dp, dn in pairs) / 4
    assert triplet_metric_loss(emb, labels, image_ids).item() == \
        pytest.approx(want)
    a, p, q = sample_triplets(labels, image_ids)
    assert sorted(zip(a.tolist(), p.tolist(), q.tolist())) == \
        [(0, 2, 3), (1, 3, 2), (2, 0, 1), (3, 1, 0)]


# --------------------------------------------------------- naive reference
def _groups(triplets, image_ids):
    """(anchor, partner image) -> list of (positive, negative)."""
    out = defaultdict(list)
    for a, p, q in triplets:
        out[(a, image_ids[p])].append((p, q))
    return out


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_triplets_follow_the_spec(seed):
    _, labels, image_ids = random_batch(seed)
    g = torch.Generator().manual_seed(seed)
    got = list(zip(*(t.tolist() for t in sample_triplets(
        labels, image_ids, generator=g))))
    want = naive_triplets(labels, image_ids)
    assert len(got) == len(want) > 0
    lab, img = labels.tolist(), image_ids.tolist()
    got_groups = _groups(got, img)
    want_groups = _groups(want, img)
    assert sorted(got_groups) == sorted(want_groups)
    for (a, m), pairs in got_groups.items():
        pos = [p for p, _ in pairs]
        neg = [q for _, q in pairs]
        in_m = [j for j in range(len(lab)) if img[j] == m]
        num_pos = sum(lab[j] == lab[a] for j in in_m)
        num_neg = len(in_m) - num_pos
        assert len(pairs) == min(num_pos, num_neg) == \
            len(want_groups[(a, m)])
        assert len(set(pos)) == len(pos) and len(set(neg)) == len(neg)
        assert img[a] != m
        assert all(img[p] == m and lab[p] == lab[a] for p in pos)
        assert all(img[q] == m and lab[q] != lab[a] for q in neg)


@pytest.mark.parametrize('seed', [0, 1])
def test_draw_independent_value_matches_naive(seed):
    # two classes, and all points of one (image, class) share an
    # embedding: all positives of a partner image are alike, and so are all
    # its negatives, so every draw gives the same loss
    _, labels, image_ids = random_batch(seed, num_classes=2)
    g = torch.Generator().manual_seed(seed + 10)
    table = torch.randn(12, 3, 4, generator=g, dtype=torch.double) * 10
    emb = table[image_ids, labels]
    want = naive_loss(emb, naive_triplets(labels, image_ids)).item()
    for draw in range(3):
        gen = torch.Generator().manual_seed(draw)
        got = triplet_metric_loss(emb, labels, image_ids, generator=gen)
        assert got.item() == pytest.approx(want, rel=1e-9)
    # and a loss with other weights
    want = naive_loss(emb, naive_triplets(labels, image_ids), 0.3, 2.0,
                      5.0).item()
    got = triplet_metric_loss(emb, labels, image_ids, 0.3, 2.0, 5.0)
    assert got.item() == pytest.approx(want, rel=1e-9)


def test_shuffles_are_uniform_and_independent_per_anchor():
    # anchors 0 and 1 (class 0, image 0); image 1: three positives, one
    # negative. Each anchor picks one positive uniformly, independently of
    # the other anchor.
    labels = torch.tensor([0, 0, 0, 0, 0, 1])
    image_ids = torch.tensor([0, 0, 1, 1, 1, 1])
    g = torch.Generator().manual_seed(0)
    counts = torch.zeros(3)
    agree = 0
    draws = 300
    for _ in range(draws):
        a, p, _ = sample_triplets(labels, image_ids, generator=g)
        chosen = {int(i): int(j) for i, j in zip(a, p) if i < 2}
        counts[chosen[0] - 2] += 1
        agree += chosen[0] == chosen[1]
    assert (counts / draws - 1 / 3).abs().max() < 0.1
    assert abs(agree / draws - 1 / 3) < 0.1


def test_generator_and_global_seed():
    emb, labels, image_ids = random_batch(4)
    one = triplet_metric_loss(emb, labels, image_ids,
                              generator=torch.Generator().manual_seed(5))
    two = triplet_metric_loss(emb, labels, image_ids,
                              generator=torch.Generator().manual_seed(5))
    assert one.item() == two.item()
    loss = TripletMetricLoss()
    torch.manual_seed(7)
    one = loss(emb, labels, image_ids)
    torch.manual_seed(7)
    two = loss(emb, labels, image_ids)
    three = loss(emb, labels, image_ids)
    assert one.item() == two.item() != three.item()


# ------------------------------------------------------------ no triplets
@pytest.mark.parametrize('case', ['one_image', 'no_positive', 'no_negative',
                                  'empty'])
def test_no_triplets_gives_zero(case):
    labels, image_ids = dict(
        one_image=([0, 1, 0, 1], [3, 3, 3, 3]),
        no_positive=([0, 1, 2, 3], [0, 0, 1, 1]),
        no_negative=([2, 2, 2], [0, 1, 2]),
        empty=([], []))[case]
    labels = torch.tensor(labels, dtype=torch.long)
    image_ids = torch.tensor(image_ids, dtype=torch.long)
    emb = torch.randn(len(labels), 3, requires_grad=True)
    assert sample_triplets(labels, image_ids)[0].numel() == 0
    loss = TripletMetricLoss()(emb, labels, image_ids)
    assert loss.item() == 0
    loss.backward()
    assert emb.grad is not None
    assert (emb.grad == 0).all()


# --------------------------------------------------------------- gradients
def test_gradients_match_naive():
    emb, labels, image_ids = forced_batch()
    triplets = naive_triplets(labels, image_ids)
    assert len(triplets) == 15
    x = emb.clone().requires_grad_(True)
    triplet_metric_loss(x, labels, image_ids).backward()
    y = emb.clone().requires_grad_(True)
    naive_loss(y, triplets).backward()
    torch.testing.assert_close(x.grad, y.grad)
    # anchors, positives and negatives all receive gradient: point 6 is
    # only ever an anchor or a positive, so it still gets one
    assert (x.grad.abs().sum(1) > 0).all()
    # one forced triplet: the gradient of each role separately
    emb = torch.tensor([[0., 0.], [3., 4.], [6., 8.]], requires_grad=True)
    triplet_metric_loss(emb, torch.tensor([0, 0, 1]),
                        torch.tensor([0, 1, 1])).backward()
    u_ap = torch.tensor([-0.6, -0.8])  # (a - p) / |a - p|
    u_an = torch.tensor([-0.6, -0.8])  # (a - n) / |a - n|
    torch.testing.assert_close(emb.grad[0], 1.8 * u_ap - u_an)
    torch.testing.assert_close(emb.grad[1], -1.8 * u_ap)
    torch.testing.assert_close(emb.grad[2], u_an)


def test_identical_embeddings_give_finite_gradients():
    emb = torch.zeros(4, 3, requires_grad=True)
    loss = triplet_metric_loss(emb, torch.tensor([0, 1, 0, 1]),
                               torch.tensor([0, 0, 1, 1]))
    assert loss.item() == pytest.approx(20.0)
    loss.backward()
    assert torch.isfinite(emb.grad).all()


def test_float32_and_large_offsets():
    # far from the origin, the Gram matrix of float32 embeddings still
    # gives the distances
    emb, labels, image_ids = forced_batch()
    triplets = naive_triplets(labels, image_ids)
    want = naive_loss(emb, triplets).item()
    got = triplet_metric_loss((emb + 1e3).float(), labels, image_ids)
    assert got.dtype == torch.float32
    assert got.item() == pytest.approx(want, rel=1e-4)


# ------------------------------------------------------------- module, api
def test_module_build_and_name():
    from mmwsss.registry import MODELS
    loss = MODELS.build(dict(type='TripletMetricLoss', loss_weight=0.5))
    assert isinstance(loss, TripletMetricLoss)
    assert loss.loss_name == 'loss_triplet'
    assert (loss.alpha, loss.beta, loss.margin) == (0.8, 1.0, 20.0)
    assert TripletMetricLoss(loss_name='loss_t').loss_name == 'loss_t'
    emb, labels, image_ids = forced_batch()
    want = naive_loss(emb, naive_triplets(labels, image_ids)).item()
    assert loss(emb, labels, image_ids).item() == pytest.approx(want / 2)


def test_errors():
    emb = torch.randn(4, 3)
    labels = torch.tensor([0, 1, 0, 1])
    image_ids = torch.tensor([0, 0, 1, 1])
    loss = TripletMetricLoss()
    with pytest.raises(ValueError, match='embeddings'):
        loss(torch.randn(4), labels, image_ids)
    with pytest.raises(ValueError, match='embeddings have 5 points'):
        loss(torch.randn(5, 3), labels, image_ids)
    with pytest.raises(ValueError, match='does not match'):
        loss(emb, labels, image_ids[:3])
    with pytest.raises(ValueError, match='labels must be a'):
        loss(emb, labels[:, None], image_ids)
    with pytest.raises(ValueError, match='integer'):
        loss(emb, labels.float(), image_ids)
    with pytest.raises(ValueError, match='floating'):
        loss(emb.long(), labels, image_ids)
    with pytest.raises(ValueError, match='does not match'):
        sample_triplets(labels, image_ids[:2])


# ----------------------------------------------------------- two processes
WORLD = 2
SEEDS = (100, 101)  # each process's global seed; rank 0's is used


def union_batch():
    """Rank 0 holds images with local ids 5 and 7, rank 1 one image with
    local id 5 (the same id, another image)."""
    g = torch.Generator().manual_seed(11)
    x = torch.randn(10, 3, generator=g, dtype=torch.double) * 5
    labels = torch.randint(3, (10, ), generator=g)
    local_ids = torch.tensor([5, 5, 7, 5, 7, 7, 5, 5, 5, 5])
    split = [slice(0, 6), slice(6, 10)]
    union_ids = torch.tensor([0, 0, 1, 0, 1, 1, 2, 2, 2, 2])
    return x, labels, local_ids, union_ids, split


def make_model():
    torch.manual_seed(0)
    return TripletNet().double()


class TripletNet(nn.Module):

    def __init__(self, gather_batch=True):
        super().__init__()
        self.lin = nn.Linear(3, 4)
        self.loss = TripletMetricLoss(gather_batch=gather_batch)

    def forward(self, x, labels, image_ids):
        return self.loss(self.lin(x), labels, image_ids)


def _worker(rank, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=WORLD,
                            timeout=timedelta(seconds=30))
    x, labels, local_ids, _, split = union_batch()
    mine = split[rank]
    net = make_model()
    model = nn.parallel.DistributedDataParallel(net)
    out = {}
    cases = dict(
        full=mine,
        rank1_empty=mine if rank == 0 else slice(0, 0),
        all_empty=slice(0, 0))
    for case, rows in cases.items():
        xr = x[rows].clone().requires_grad_(True)
        net.zero_grad()
        torch.manual_seed(SEEDS[rank])
        loss = model(xr, labels[rows], local_ids[rows])
        loss.backward()
        out[case] = dict(
            loss=loss.item(), x_grad=xr.grad,
            grads={n: p.grad.clone() for n, p in net.named_parameters()})
    alone = TripletNet(gather_batch=False).double()
    alone.load_state_dict(net.state_dict())
    with torch.no_grad():
        out['alone'] = alone(x[mine], labels[mine], local_ids[mine]).item()
    torch.save(out, osp.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


def _run_workers(out_dir, limit=60.0):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    ctx = mp.start_processes(_worker, args=(port, out_dir), nprocs=WORLD,
                             join=False, start_method='spawn')
    deadline = time.monotonic() + limit
    try:
        while not ctx.join(timeout=1):
            if time.monotonic() > deadline:
                raise TimeoutError('the gloo processes did not finish')
    finally:
        for p in ctx.processes:
            if p.is_alive():
                p.kill()


def test_two_processes_give_the_union_batch(tmp_path):
    """Each process returns the union batch's loss; the linear layer's
    gradients after DDP's averaging are the union batch's; each process's
    input gradient is ``world`` times the union batch's for its rows (the
    sum of the processes' identical losses; inputs are not averaged)."""
    _run_workers(str(tmp_path))
    got = [torch.load(tmp_path / f'rank{r}.pt') for r in range(WORLD)]
    x, labels, _, union_ids, split = union_batch()
    cases = dict(full=slice(0, 10), rank1_empty=split[0],
                 all_empty=slice(0, 0))
    for case, rows in cases.items():
        net = make_model()
        xr = x[rows].clone().requires_grad_(True)
        torch.manual_seed(SEEDS[0])
        want = net(xr, labels[rows], union_ids[rows])
        want.backward()
        if case == 'full':
            assert want.item() > 0
        for rank, g in enumerate(got):
            r = g[case]
            assert r['loss'] == pytest.approx(want.item(), rel=1e-12), case
            for name, p in net.named_parameters():
                torch.testing.assert_close(r['grads'][name], p.grad)
        own = [xr.grad[:6], xr.grad[6:]] if case == 'full' else \
            [xr.grad, xr.grad[:0]] if case == 'rank1_empty' else \
            [xr.grad, xr.grad]
        for rank, g in enumerate(got):
            torch.testing.assert_close(g[case]['x_grad'] / WORLD, own[rank])
    # without gathering, the processes' mean loss is another one
    mean_alone = sum(g['alone'] for g in got) / WORLD
    assert abs(mean_alone - got[0]['full']['loss']) > 1e-3
