"""The dense random walk keeps ``max_elements`` for a single image by
building its affinity matrix a block of rows at a time."""
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from mmwsss.ops import random_walk, random_walk_reference


class LargestTensor(TorchDispatchMode):
    """Records the most elements of any tensor an operation returns."""

    def __init__(self):
        super().__init__()
        self.most = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out, ):
            if isinstance(t, torch.Tensor):
                self.most = max(self.most, t.numel())
        return out


def inputs(batch, h, w, dim=4, classes=3, dtype=torch.double):
    g = torch.Generator().manual_seed(batch * 100 + h * 10 + w)
    centres = torch.randn(3, dim, generator=g)
    labels = torch.randint(0, 3, (batch, h * w), generator=g)
    e = centres[labels].transpose(1, 2) + 0.3 * torch.randn(
        batch, dim, h * w, generator=g)
    s = torch.rand(batch, classes, h, w, generator=g)
    return e.reshape(batch, dim, h, w).to(dtype), s.to(dtype)


N = 7 * 9  # pixels of the test images


@pytest.mark.parametrize('max_elements', [
    2 * N * N,  # two whole images at a time
    N * N,  # one whole image
    N * N - 1,  # 62 rows (N = 63)
    10 * N + 5,  # 10 rows, not a divisor of N
    7 * N,  # 7 rows, a divisor
    N + 1,  # 1 row
    5,  # less than a row: still one row
])
@pytest.mark.parametrize('num_steps', [0, 1, 6, 64])
def test_row_blocks_match_matrix_powers(max_elements, num_steps):
    e, s = inputs(3, 7, 9)
    ref = random_walk_reference(e, s, 2, 1, num_steps)
    if num_steps:
        assert (ref - s).abs().max() > 0.05  # the walk really mixes
    out = random_walk(e, s, 2, 1, num_steps, max_elements=max_elements)
    torch.testing.assert_close(out, ref)


def test_row_blocks_float32_match_the_whole_image_kernel():
    e, s = inputs(2, 7, 9, dtype=torch.float32)
    whole = random_walk(e, s, 20, 5, 64)
    rows = random_walk(e, s, 20, 5, 64, max_elements=8 * N)
    torch.testing.assert_close(rows, whole, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(
        rows.double(), random_walk_reference(e.double(), s.double(), 20, 5,
                                             64), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('rows', [4, 50])
def test_largest_tensor_stays_within_max_elements(rows):
    """No tensor of a walk on one 24 x 24 image (N^2 = 331776 affinities)
    holds more than max_elements elements (here at least the D x N
    embeddings)."""
    n = 24 * 24
    max_elements = rows * n + 7
    e, s = inputs(1, 24, 24)
    with LargestTensor() as unbounded:  # the check sees the N x N matrix
        random_walk(e, s, 2, 1, 3, max_elements=n * n)
    assert unbounded.most == n * n
    with LargestTensor() as bounded:
        out = random_walk(e, s, 2, 1, 3, max_elements=max_elements)
    assert bounded.most <= max_elements
    torch.testing.assert_close(out, random_walk_reference(e, s, 2, 1, 3))
