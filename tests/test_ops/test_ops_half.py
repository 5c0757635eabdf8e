"""float16 / bfloat16 inputs and autocast: the ops compute in float32 with
their compiled kernels (one warning per op for half inputs) and return the
input dtype; autocast does not send them to the references."""
import importlib
import warnings

import pytest
import torch

from mmwsss.ops import (checks, grid_offsets, local_dot, local_weighted_sum,
                        pac, pamr, pamr_affinity, random_walk,
                        random_walk_color)

lws_module = importlib.import_module('mmwsss.ops.local_weighted_sum')
OFF = grid_offsets(3, 2, 2)


def rand(*shape):
    g = torch.Generator().manual_seed(sum(shape))
    return torch.rand(*shape, generator=g)


# (op named in the warning, call, its float32 inputs, a kernel it runs)
CASES = {
    'local_weighted_sum': (
        'local_weighted_sum',
        lambda x, w: local_weighted_sum(x, w, OFF, 2, 'replicate'),
        lambda: (rand(2, 3, 9, 8), rand(2, 9, 5, 4)),
        'local_weighted_sum_forward'),
    'local_dot': ('local_dot', lambda a, b: local_dot(a, b, OFF, 2),
                  lambda: (rand(2, 3, 5, 4), rand(2, 3, 9, 8)), 'local_dot'),
    'pac': ('pac', lambda x, k: pac(x, k, 3, 2, 2),
            lambda: (rand(2, 3, 9, 8), rand(2, 9, 5, 4)),
            'local_weighted_sum_forward'),
    'pamr': ('pamr', lambda img, m: pamr(img, m, (1, 2), 3),
             lambda: (rand(2, 3, 9, 8), rand(2, 4, 9, 8)),
             'local_weighted_sum_forward'),
    # PyTorch operations only: no kernel, the same dtype policy
    'pamr_affinity': ('pamr_affinity', lambda img: pamr_affinity(img, (1, 2)),
                      lambda: (rand(2, 3, 9, 8), ), None),
    'random_walk dense': (
        'random_walk', lambda e, s: random_walk(e, s, 2, 1, 8),
        lambda: (rand(2, 5, 6, 7) - 0.5, rand(2, 4, 6, 7)), 'dense_walk'),
    'random_walk local': (
        'random_walk',
        lambda e, s: random_walk(e, s, 2, 1, 8, mode='local', radius=2),
        lambda: (rand(2, 5, 6, 7) - 0.5, rand(2, 4, 6, 7)), 'local_dot'),
    'random_walk_color': (
        'random_walk_color', lambda img, s: random_walk_color(img, s, 10),
        lambda: (rand(2, 3, 6, 7), (rand(2, 4, 6, 7) > 0.8).float()),
        'local_walk'),  # the CPU runs every step in one fused call
}
TOL = {torch.float16: dict(rtol=1e-3, atol=1e-5),
       torch.bfloat16: dict(rtol=8e-3, atol=1e-5)}


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(checks, '_HALF_WARNED', set())


@pytest.fixture
def no_reference(monkeypatch):
    """The pure-PyTorch references raise: only the compiled path passes."""

    def reference(*args, **kwargs):
        raise AssertionError('a pure-PyTorch reference ran')

    monkeypatch.setattr(lws_module, 'local_weighted_sum_reference', reference)
    monkeypatch.setattr(lws_module, 'local_dot_reference', reference)


def half_warnings(record):
    return [str(w.message) for w in record
            if 'computed in float32' in str(w.message)]


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
@pytest.mark.parametrize('case', list(CASES))
def test_half_inputs_give_the_float32_result(case, dtype, compiled,
                                             no_reference):
    op, fn, make, kernel = CASES[case]
    args = [a.to(dtype) for a in make()]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        out = fn(*args)
        again = fn(*args)
    messages = half_warnings(record)
    assert len(messages) == 1, messages
    assert messages[0].startswith(f'mmwsss.ops.{op}: {dtype}')
    assert out.dtype == dtype and again.dtype == dtype
    if kernel is not None:
        assert compiled.calls[kernel] > 0
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        expected = fn(*[a.float() for a in args])
    assert expected.dtype == torch.float32 and not half_warnings(record)
    torch.testing.assert_close(out.float(), expected, **TOL[dtype])
    torch.testing.assert_close(again, out, rtol=0, atol=0)


@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
@pytest.mark.parametrize('case', list(CASES))
def test_autocast_runs_the_compiled_kernels(case, dtype, compiled,
                                            no_reference):
    """Under CPU autocast (bfloat16) the ops run their float32 kernels and
    return the dtype of their inputs."""
    op, fn, make, kernel = CASES[case]
    args = [a.to(dtype) for a in make()]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        expected = fn(*[a.float() for a in args])
        compiled.calls.clear()
        with torch.autocast('cpu'):
            out = fn(*args)
    assert len(half_warnings(record)) == (dtype != torch.float32)
    if kernel is not None:
        assert compiled.calls[kernel] > 0
    assert out.dtype == dtype
    torch.testing.assert_close(out, expected.to(dtype), rtol=1e-5,
                               atol=1e-6)
