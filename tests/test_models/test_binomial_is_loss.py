import math

import pytest
import torch

from mmwsss.models.losses.binomial_is_loss import (BinomialISLoss,
                                                   binomial_is_loss)
from mmwsss.registry import MODELS


def bce(p, y):
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_constant_maps_give_the_bce_of_the_constant():
    # every draw of a constant map gives the same value
    values = [[0.7, -1.2, 2.0], [-0.3, 0.0, 1.5]]
    tags = [[1, 0, 1], [0, 1, 0]]
    cams = torch.tensor(values)[:, :, None, None].repeat(1, 1, 4, 5)
    loss = binomial_is_loss(cams, torch.tensor(tags), num_samples=7)
    expected = sum(
        bce(sigmoid(v), y) for vs, ys in zip(values, tags)
        for v, y in zip(vs, ys)) / 6
    assert abs(loss.item() - expected) < 1e-6


def test_monte_carlo_mean_matches_the_exact_expectation():
    # E[loss] = sum_i p_i BCE(b_i, y) with p = b / sum b; the mean of n
    # draws has standard deviation sqrt(Var / n), so 5 of them bound it
    s = torch.tensor([[-2.0, 0.5, 1.0], [3.0, -0.5, 0.0], [1.5, -1.0, 2.5]])
    b = s.double().sigmoid().flatten()
    p = b / b.sum()
    n = 20000
    torch.manual_seed(0)
    for y in (0, 1):
        per_pixel = -(y * b.log() + (1 - y) * (1 - b).log())
        mean = float((p * per_pixel).sum())
        var = float((p * per_pixel**2).sum()) - mean**2
        got = binomial_is_loss(s[None, None], torch.tensor([[y]]),
                               num_samples=n)
        assert abs(got.item() - mean) < 5 * math.sqrt(var / n)


def test_draws_follow_b_over_its_sum():
    # the gradient at pixel k is count_k (b_k - y) / N: it recovers the
    # number of draws of every pixel, whose frequencies must match p
    s = torch.tensor([[-2.0, 0.5, 1.0], [3.0, -0.5, 0.0]],
                     dtype=torch.float64, requires_grad=True)
    n = 20000
    torch.manual_seed(1)
    binomial_is_loss(s[None, None], torch.tensor([[1]]),
                     num_samples=n).backward()
    b = s.detach().sigmoid()
    counts = s.grad * n / (b - 1)
    assert torch.allclose(counts, counts.round(), atol=1e-6)
    assert int(counts.round().sum()) == n
    p = b / b.sum()
    assert ((counts / n - p).abs() < 5 * (p * (1 - p) / n).sqrt()).all()


def test_gradient_only_at_the_sampled_pixels():
    g = torch.Generator().manual_seed(0)
    cams = torch.randn(2, 3, 4, 5, generator=g, requires_grad=True)
    tags = torch.tensor([[1, 0, 1], [0, 0, 1]])
    binomial_is_loss(cams, tags, num_samples=1, generator=g).backward()
    nonzero = (cams.grad != 0).flatten(2).sum(2)
    assert (nonzero == 1).all()
    # the gradient of the BCE of the sampled logit, averaged over B * C
    b = cams.detach().sigmoid()
    expected = (b - tags[:, :, None, None]) / 6
    mask = cams.grad != 0
    assert torch.allclose(cams.grad[mask], expected[mask], atol=1e-7)

    # N samples: every map gets N draws of weight 1 / (B C N)
    cams.grad = None
    binomial_is_loss(cams, tags, num_samples=3, generator=g).backward()
    draws = cams.grad / (b - tags[:, :, None, None]) * 6 * 3
    assert torch.allclose(draws, draws.round(), atol=1e-4)
    assert (draws.round().flatten(2).sum(2) == 3).all()


def test_no_nan_when_the_posteriors_underflow():
    cams = torch.full((1, 2, 3, 3), -200.0, requires_grad=True)
    loss = binomial_is_loss(cams, torch.tensor([[1, 0]]))
    # -log sigmoid(-200) = 200 for the present class, ~0 for the absent one
    assert abs(loss.item() - 100.0) < 1e-4
    loss.backward()
    assert torch.isfinite(cams.grad).all()


def test_generator_makes_the_draw_reproducible():
    cams = torch.randn(2, 4, 6, 6)
    tags = torch.randint(0, 2, (2, 4))
    a = binomial_is_loss(cams, tags, 3, torch.Generator().manual_seed(5))
    b = binomial_is_loss(cams, tags, 3, torch.Generator().manual_seed(5))
    assert a.item() == b.item()


def test_module_loss_weight_name_and_registry():
    cams = torch.randn(2, 4, 6, 6)
    tags = torch.randint(0, 2, (2, 4))
    module = BinomialISLoss(num_samples=4, loss_weight=0.25)
    assert module.loss_name == 'loss_isl'
    torch.manual_seed(3)
    weighted = module(cams, tags)
    torch.manual_seed(3)
    plain = binomial_is_loss(cams, tags, num_samples=4)
    assert abs(weighted.item() - 0.25 * plain.item()) < 1e-7
    built = MODELS.build(dict(type='BinomialISLoss', num_samples=5))
    assert isinstance(built, BinomialISLoss) and built.num_samples == 5


@pytest.mark.parametrize('cams, tags, num_samples, match', [
    (torch.zeros(2, 3, 4), torch.zeros(2, 3), 10, 'cams must be'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 4), 10, 'tags shape'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 1), 10, 'tags shape'),
    (torch.zeros(2, 3, 4, 4), torch.full((2, 3), 2), 10, 'tags must be'),
    (torch.zeros(2, 3, 4, 4), torch.full((2, 3), 0.5), 10, 'tags must be'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 3), 0, 'num_samples'),
])
def test_errors(cams, tags, num_samples, match):
    with pytest.raises(ValueError, match=match):
        binomial_is_loss(cams, tags, num_samples)
    if num_samples == 10:
        with pytest.raises(ValueError, match=match):
            BinomialISLoss()(cams, tags)
