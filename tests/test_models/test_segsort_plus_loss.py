import importlib
import math

import pytest
import torch
import torch.nn.functional as F

from mmwsss.models.losses import (SegSortPlusLoss, segsort_plus_loss,
                                  segsort_plus_loss_dense)

loss_module = importlib.import_module(
    'mmwsss.models.losses.segsort_plus_loss')


@pytest.fixture(params=['grouped', 'per-row'])
def path(request, monkeypatch):
    # few segment keys: per-key sums by one GEMM; many (low-level relation
    # over segment ids): each pixel's relation row
    if request.param == 'per-row':
        monkeypatch.setattr(loss_module, '_GROUPED_KEYS', 0)
    return request.param


def naive(e, mu, pk, sk, relation, own, kappa, cand=None):
    # eq. 3 pixel by pixel, segment by segment
    losses = []
    for i in range(e.shape[0]):
        if pk[i] < 0:
            continue
        num, den, has_pos = 0.0, 0.0, False
        for t in range(mu.shape[0]):
            if sk[t] < 0 or (own is not None and own[i] == t):
                continue
            if cand is not None and not cand[pk[i], sk[t]]:
                continue
            v = math.exp(kappa * float(e[i] @ mu[t]))
            den += v
            if relation[pk[i], sk[t]]:
                num += v
                has_pos = True
        if has_pos:
            losses.append(-math.log(num / den))
    return sum(losses) / max(len(losses), 1)


def inputs(seed, P=23, S=9, D=5, keys=3, dtype=torch.double):
    g = torch.Generator().manual_seed(seed)
    e = F.normalize(torch.randn(P, D, generator=g, dtype=dtype), dim=1)
    mu = F.normalize(torch.randn(S, D, generator=g, dtype=dtype), dim=1)
    pk = torch.randint(-1, keys, (P, ), generator=g)
    sk = torch.randint(-1, keys, (S, ), generator=g)
    own = torch.randint(0, S, (P, ), generator=g)
    return e, mu, pk, sk, own


@pytest.mark.parametrize('chunk', [1, 4, 7, 100])
@pytest.mark.parametrize('use_own', [False, True])
def test_values_match_naive_equation(chunk, use_own, path):
    e, mu, pk, sk, own = inputs(chunk)
    eye = torch.eye(3, dtype=torch.bool)
    o = own if use_own else None
    got = segsort_plus_loss(e, mu, pk, sk, None, o, kappa=4.0,
                            chunk_size=chunk)
    assert abs(float(got) - naive(e, mu, pk, sk, eye, o, 4.0)) < 1e-10
    dense = segsort_plus_loss_dense(e, mu, pk, sk, None, o, kappa=4.0)
    assert abs(float(got) - float(dense)) < 1e-10


def test_cooccurrence_relation_matrix(path):
    # keys are image indices; images 0 and 1 share a class, 2 shares none
    overlap = torch.tensor([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=torch.bool)
    e, mu, pk, sk, _ = inputs(5)
    got = segsort_plus_loss(e, mu, pk, sk, overlap, kappa=6.0, chunk_size=5)
    assert abs(float(got) - naive(e, mu, pk, sk, overlap, None, 6.0)) < 1e-10


def test_candidate_relation_restricts_negatives(path):
    # low-level relation: keys are segment ids, the own segment is the only
    # positive, the negatives are the segments of the same image
    e, mu, _, _, _ = inputs(11, S=9)
    g = torch.Generator().manual_seed(3)
    seg_image = torch.tensor([0, 0, 0, 1, 1, 1, 1, 2, 2])
    pk = torch.randint(-1, 9, (e.shape[0], ), generator=g)
    sk = torch.arange(9)
    same_image = seg_image[:, None] == seg_image[None]
    eye = torch.eye(9, dtype=torch.bool)
    got = segsort_plus_loss(e, mu, pk, sk, eye, kappa=5.0, chunk_size=6,
                            candidates=same_image)
    want = naive(e, mu, pk, sk, eye, None, 5.0, cand=same_image)
    assert abs(float(got) - want) < 1e-10
    # without the restriction the loss differs (more negatives)
    assert abs(float(segsort_plus_loss(e, mu, pk, sk, eye, kappa=5.0)) -
               want) > 1e-3
    dense = segsort_plus_loss_dense(e, mu, pk, sk, eye, kappa=5.0,
                                    candidates=same_image)
    assert abs(float(dense) - want) < 1e-10


def test_gradients_match_autograd_of_dense_form(path):
    e, mu, pk, sk, own = inputs(11)
    e1, mu1 = e.clone().requires_grad_(), mu.clone().requires_grad_()
    e2, mu2 = e.clone().requires_grad_(), mu.clone().requires_grad_()
    segsort_plus_loss(e1, mu1, pk, sk, None, own, 8.0, chunk_size=6).backward()
    segsort_plus_loss_dense(e2, mu2, pk, sk, None, own, 8.0).backward()
    torch.testing.assert_close(e1.grad, e2.grad)
    torch.testing.assert_close(mu1.grad, mu2.grad)


def test_gradcheck(path):
    e, mu, pk, sk, own = inputs(3, P=9, S=5, D=3)
    e.requires_grad_()
    mu.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, b: segsort_plus_loss(a, b, pk, sk, None, own, 3.0, 4),
        (e, mu))


def test_large_kappa_is_stable_and_module(path):
    e, mu, pk, sk, _ = inputs(2, dtype=torch.float32)
    loss = SegSortPlusLoss(kappa=200.0, loss_weight=0.5)(e, mu, pk, sk)
    assert torch.isfinite(loss)
    # exp(200) overflows a naive float32 evaluation; compare with float64
    assert abs(float(loss) - 0.5 * float(
        segsort_plus_loss(e.double(), mu.double(), pk, sk, kappa=200.0))) < 1e-4


def test_no_positive_gives_zero():
    e, mu, _, _, _ = inputs(1)
    pk = torch.zeros(e.shape[0], dtype=torch.long)
    sk = torch.ones(mu.shape[0], dtype=torch.long)
    assert float(segsort_plus_loss(e, mu, pk, sk)) == 0.0


def test_float32_range_switches_to_float64():
    # kappa 30: exponents down to -60 stay in float32; kappa 60 (-120) would
    # underflow there, so the chunk is evaluated in float64
    e, mu, pk, sk, own = inputs(4)
    for kappa in (30.0, 60.0):
        want = naive(e, mu, pk, sk, torch.eye(3, dtype=torch.bool), own,
                     kappa)
        got = segsort_plus_loss(e.float(), mu.float(), pk, sk, None, own,
                                kappa)
        assert got.dtype == torch.float32
        assert abs(float(got) - want) < 1e-4 * max(1.0, want)


def test_bad_keys_and_extreme_kappa_raise():
    e, mu, pk, sk, _ = inputs(6)
    with pytest.raises(ValueError, match='exceed the relation matrix'):
        segsort_plus_loss(e, mu, pk, sk, torch.eye(2, dtype=torch.bool))
    with pytest.raises(ValueError, match='differ in shape'):
        segsort_plus_loss(e, mu, pk, sk, torch.eye(3, dtype=torch.bool),
                          candidates=torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match='kappa'):
        segsort_plus_loss(e, mu, pk, sk, kappa=1000.0)


def test_pixels_without_positives_are_dropped_before_the_chunks(path):
    # pixel 0 (key 1, own segment 1 has no key): positive {2}, candidates
    # {0, 2}; pixel 1: its only key-0 segment is its own -> no positive,
    # left out; pixel 2: positive {0}, nothing else -> loss 0, but counted;
    # pixel 3: no segment has key 2 -> left out
    e, mu, _, _, _ = inputs(8, P=4, S=3)
    pk = torch.tensor([1, 0, 0, 2])
    sk = torch.tensor([0, -1, 1])
    own = torch.tensor([1, 0, 2, 1])
    got = segsort_plus_loss(e, mu, pk, sk, None, own, kappa=3.0,
                            chunk_size=1)
    logits = 3.0 * e[0] @ mu.t()
    want = (torch.logsumexp(logits[[0, 2]], 0) - logits[2]) / 2
    assert abs(float(got) - float(want)) < 1e-12
    assert abs(float(got) - naive(e, mu, pk, sk, torch.eye(
        3, dtype=torch.bool), own, 3.0)) < 1e-12


def test_num_with_positive_counts_pixels_with_a_positive_segment():
    from mmwsss.models.losses import num_with_positive
    g = torch.Generator().manual_seed(3)
    P, S, K = 40, 12, 4
    pixel_keys = torch.randint(-1, K, (P, ), generator=g)
    segment_keys = torch.randint(-1, K, (S, ), generator=g)
    relation = torch.rand(K, K, generator=g) > 0.6
    candidates = torch.rand(K, K, generator=g) > 0.3
    own = torch.randint(0, S, (P, ), generator=g)
    # naive: a pixel counts when some other segment with a key is related
    # (and a candidate)
    expected = 0
    for p in range(P):
        if pixel_keys[p] < 0:
            continue
        expected += any(
            s != own[p] and segment_keys[s] >= 0
            and relation[pixel_keys[p], segment_keys[s]]
            and candidates[pixel_keys[p], segment_keys[s]] for s in range(S))
    assert num_with_positive(pixel_keys, segment_keys, relation, own,
                             candidates) == expected
    assert 0 < expected < P
