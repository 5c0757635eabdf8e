import math

import pytest
import torch
import torch.nn.functional as F

from mmwsss.models.losses import (SegSortPlusLoss, segsort_plus_loss,
                                  segsort_plus_loss_dense)


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
def test_values_match_naive_equation(chunk, use_own):
    e, mu, pk, sk, own = inputs(chunk)
    eye = torch.eye(3, dtype=torch.bool)
    o = own if use_own else None
    got = segsort_plus_loss(e, mu, pk, sk, None, o, kappa=4.0,
                            chunk_size=chunk)
    assert abs(float(got) - naive(e, mu, pk, sk, eye, o, 4.0)) < 1e-10
    dense = segsort_plus_loss_dense(e, mu, pk, sk, None, o, kappa=4.0)
    assert abs(float(got) - float(dense)) < 1e-10


def test_cooccurrence_relation_matrix():
    # keys are image indices; images 0 and 1 share a class, 2 shares none
    overlap = torch.tensor([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=torch.bool)
    e, mu, pk, sk, _ = inputs(5)
    got = segsort_plus_loss(e, mu, pk, sk, overlap, kappa=6.0, chunk_size=5)
    assert abs(float(got) - naive(e, mu, pk, sk, overlap, None, 6.0)) < 1e-10


def test_candidate_relation_restricts_negatives():
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


def test_gradients_match_autograd_of_dense_form():
    e, mu, pk, sk, own = inputs(11)
    e1, mu1 = e.clone().requires_grad_(), mu.clone().requires_grad_()
    e2, mu2 = e.clone().requires_grad_(), mu.clone().requires_grad_()
    segsort_plus_loss(e1, mu1, pk, sk, None, own, 8.0, chunk_size=6).backward()
    segsort_plus_loss_dense(e2, mu2, pk, sk, None, own, 8.0).backward()
    torch.testing.assert_close(e1.grad, e2.grad)
    torch.testing.assert_close(mu1.grad, mu2.grad)


def test_gradcheck():
    e, mu, pk, sk, own = inputs(3, P=9, S=5, D=3)
    e.requires_grad_()
    mu.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, b: segsort_plus_loss(a, b, pk, sk, None, own, 3.0, 4),
        (e, mu))


def test_large_kappa_is_stable_and_module():
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
