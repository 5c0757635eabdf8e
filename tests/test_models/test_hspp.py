import math

import pytest
import torch

from mmwsss.models.utils.hspp import HybridSpatialPyramidPooling
from mmwsss.registry import MODELS


def naive_hspp(x, levels, gamma):
    b, d, h, w = x.shape
    out = torch.zeros(b, d, dtype=torch.float64)
    for n in range(b):
        for c in range(d):
            fmap = x[n, c].double()
            total = gamma * float(fmap.sum()) / (h * w)
            for r in levels:
                acc = 0.0
                for i in range(r):
                    y0, y1 = math.floor(i * h / r), math.ceil((i + 1) * h / r)
                    for j in range(r):
                        x0 = math.floor(j * w / r)
                        x1 = math.ceil((j + 1) * w / r)
                        acc += max(float(fmap[y, xx]) for y in range(y0, y1)
                                   for xx in range(x0, x1))
                total += acc / (r * r)
            out[n, c] = total / (gamma + len(levels))
    return out


@pytest.mark.parametrize('levels,gamma', [((1, 2, 4), 2.0), ((3, ), 0.5),
                                          ((2, 3), 0.0)])
def test_matches_naive_bins(levels, gamma):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 7, 5, generator=g)
    out = HybridSpatialPyramidPooling(levels, gamma)(x)
    assert out.shape == (2, 3)
    torch.testing.assert_close(out.double(), naive_hspp(x, levels, gamma))


def test_map_smaller_than_grid():
    x = torch.randn(1, 2, 3, 2, generator=torch.Generator().manual_seed(2))
    out = HybridSpatialPyramidPooling()(x)
    torch.testing.assert_close(out.double(), naive_hspp(x, (1, 2, 4), 2.0))


def test_global_max_and_constant():
    x = torch.randn(2, 4, 6, 5, generator=torch.Generator().manual_seed(1))
    out = HybridSpatialPyramidPooling(levels=(1, ), gamma=0)(x)
    torch.testing.assert_close(out, x.amax(dim=(2, 3)))
    const = torch.full((1, 3, 7, 5), 2.5)
    torch.testing.assert_close(HybridSpatialPyramidPooling()(const),
                               torch.full((1, 3), 2.5))


def test_gradient_flows_and_registry():
    pool = MODELS.build(dict(type='HybridSpatialPyramidPooling'))
    assert pool.levels == (1, 2, 4) and pool.gamma == 2.0
    x = torch.randn(1, 2, 7, 5, requires_grad=True)
    pool(x).sum().backward()
    assert torch.isfinite(x.grad).all()
    # GAP reaches every position: weight gamma / (gamma + 3) / (h * w).
    assert (x.grad >= 2.0 / 5.0 / 35 - 1e-6).all()
    assert x.grad.sum().item() == pytest.approx(2.0, rel=1e-5)


@pytest.mark.parametrize('kwargs', [dict(levels=()), dict(levels=(0, 2)),
                                    dict(levels=(1.5, )),
                                    dict(gamma=-1.0)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        HybridSpatialPyramidPooling(**kwargs)


@pytest.mark.parametrize('shape', [(2, 3, 4), (1, 2, 3, 4, 5), (1, 2, 0, 3)])
def test_bad_input(shape):
    with pytest.raises(ValueError):
        HybridSpatialPyramidPooling()(torch.zeros(shape))
