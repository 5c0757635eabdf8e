"""Bad arguments to the ops raise a clear error naming the argument, before
any tensor reaches a kernel (forward and backward)."""
import types

import pytest
import torch

from mmwsss.ops import (PAMR, grid_offsets, local_dot, local_dot_reference,
                        local_weighted_sum, local_weighted_sum_reference,
                        neighbour_offsets, pac, pamr, pamr_affinity,
                        pamr_reference, random_walk, random_walk_color,
                        random_walk_reference)
from mmwsss.ops.local_weighted_sum import _LocalDot, _LocalWeightedSum


def t(*shape, dtype=torch.float32, device='cpu'):
    return torch.rand(*shape, dtype=dtype, device=device)


OFF = grid_offsets(3, 1, 1)  # 9 taps
X, W9 = t(2, 3, 6, 7), t(2, 9, 6, 7)
IMG, MASKS = t(2, 3, 6, 7), t(2, 4, 6, 7)
META = dict(device='meta')

CASES = [
    # local weighted sum
    ('lws stride 0', lambda: local_weighted_sum(X, W9, OFF, stride=0),
     ValueError, 'stride must be >= 1, got 0'),
    ('lws stride float', lambda: local_weighted_sum(X, W9, OFF, stride=1.0),
     TypeError, 'stride must be an int'),
    ('lws input 3-D', lambda: local_weighted_sum(X[0], W9, OFF),
     ValueError, r'input must be 4-D, got shape \(3, 6, 7\)'),
    ('lws input empty', lambda: local_weighted_sum(t(2, 3, 0, 7), W9, OFF),
     ValueError, 'input must have a non-empty'),
    ('lws taps', lambda: local_weighted_sum(X, W9[:, :8], OFF),
     ValueError, r'weight must have sizes \(2, 9\) in dims \(0, 1\).*got '
     r'shape \(2, 8, 6, 7\)'),
    ('lws batch', lambda: local_weighted_sum(X[:1], W9, OFF),
     ValueError, r'weight must have sizes \(1, 9\)'),
    ('lws dtypes', lambda: local_weighted_sum(X, W9.double(), OFF),
     TypeError, 'input is torch.float32, weight is torch.float64'),
    ('lws int input', lambda: local_weighted_sum(X.long(), W9.long(), OFF),
     TypeError, 'input must have a floating dtype'),
    ('lws not a tensor', lambda: local_weighted_sum(X.numpy(), W9, OFF),
     TypeError, 'input must be a torch.Tensor, got ndarray'),
    ('lws float offsets', lambda: local_weighted_sum(X, W9, OFF.float()),
     TypeError, 'offsets must have an integer dtype'),
    ('lws offsets shape', lambda: local_weighted_sum(X, W9, OFF[:, :1]),
     ValueError, r'offsets must be \(T, 2\)'),
    ('lws pad_mode', lambda: local_weighted_sum(X, W9, OFF, 1, 'reflect'),
     ValueError, "pad_mode must be one of .*got 'reflect'"),
    ('lws devices', lambda: local_weighted_sum(X, t(2, 9, 6, 7, **META), OFF),
     ValueError, 'one device, got input on cpu, weight on meta'),
    ('lws reference stride 0',
     lambda: local_weighted_sum_reference(X, W9, OFF, stride=0),
     ValueError, 'stride must be >= 1'),
    # local dot
    ('dot stride 0', lambda: local_dot(X, X, OFF, stride=0),
     ValueError, 'stride must be >= 1, got 0'),
    ('dot stride -1', lambda: local_dot(X, X, OFF, stride=-1),
     ValueError, 'stride must be >= 1, got -1'),
    ('dot channels', lambda: local_dot(X[:, :2], X, OFF),
     ValueError, r'a must have sizes \(2, 3\) in dims \(0, 1\)'),
    ('dot devices', lambda: local_dot(t(2, 3, 6, 7, **META), X, OFF),
     ValueError, 'got a on meta, b on cpu'),
    ('dot pad_mode', lambda: local_dot(X, X, OFF, 1, 'edge'),
     ValueError, 'pad_mode must be one of'),
    ('dot reference channels', lambda: local_dot_reference(X[:, :2], X, OFF),
     ValueError, 'a must have sizes'),
    # offsets helpers
    ('grid kernel_size 0', lambda: grid_offsets(0), ValueError,
     'kernel_size must be >= 1'),
    ('grid dilation 0', lambda: grid_offsets(3, 0), ValueError,
     'dilation must be >= 1'),
    ('neighbours dilation 0', lambda: neighbour_offsets((1, 0)), ValueError,
     r'dilations\[1\] must be >= 1, got 0'),
    # pac
    ('pac stride 0', lambda: pac(X, W9, 3, stride=0), ValueError,
     'stride must be >= 1, got 0'),
    ('pac dilation 0', lambda: pac(X, W9, 3, dilation=0), ValueError,
     'dilation must be >= 1, got 0'),
    ('pac kernel_size 0', lambda: pac(X, W9, 0), ValueError,
     'kernel_size must be >= 1'),
    ('pac padding -1', lambda: pac(X, W9, 3, padding=-1), ValueError,
     'padding must be >= 0'),
    ('pac too small', lambda: pac(t(1, 1, 2, 2), t(1, 9, 1, 1), 3,
                                  padding=0), ValueError,
     'smaller than the dilated kernel'),
    ('pac kernel shape', lambda: pac(X, W9[..., :5], 3), ValueError,
     r'kernel must have shape \(2, 9, 6, 7\)'),
    ('pac devices', lambda: pac(X, t(2, 9, 6, 7, **META), 3), ValueError,
     'got input on cpu, kernel on meta'),
    # pamr
    ('pamr num_iters', lambda: pamr(IMG, MASKS, num_iters=-1), ValueError,
     'num_iters must be >= 0'),
    ('pamr dilation 0', lambda: pamr(IMG, MASKS, dilations=(1, 0)),
     ValueError, r'dilations\[1\] must be >= 1'),
    ('pamr no dilations', lambda: pamr(IMG, MASKS, dilations=()),
     ValueError, 'dilations must not be empty'),
    ('pamr size', lambda: pamr(IMG, MASKS[..., :5]), ValueError,
     r'masks must have sizes \(2, 6, 7\) in dims \(0, 2, 3\)'),
    ('pamr batch', lambda: pamr(IMG[:1], MASKS), ValueError,
     r'masks must have sizes \(1, 6, 7\)'),
    ('pamr devices', lambda: pamr(IMG, t(2, 4, 6, 7, **META)), ValueError,
     'got image on cpu, masks on meta'),
    ('pamr reference size', lambda: pamr_reference(IMG, MASKS[..., :5]),
     ValueError, 'masks must have sizes'),
    ('pamr affinity dilations', lambda: pamr_affinity(IMG, dilations=(0, )),
     ValueError, r'dilations\[0\] must be >= 1'),
    ('PAMR num_iters', lambda: PAMR(num_iters=-2), ValueError,
     'num_iters must be >= 0'),
    ('PAMR dilations', lambda: PAMR(dilations=(2, -1)), ValueError,
     r'dilations\[1\] must be >= 1'),
    # random walks
    ('rw num_steps', lambda: random_walk(IMG, MASKS, num_steps=-1),
     ValueError, 'num_steps must be >= 0'),
    ('rw max_elements', lambda: random_walk(IMG, MASKS, max_elements=0),
     ValueError, 'max_elements must be >= 1'),
    ('rw radius', lambda: random_walk(IMG, MASKS, mode='local', radius=-1),
     ValueError, 'radius must be >= 0'),
    ('rw mode', lambda: random_walk(IMG, MASKS, mode='sparse'), ValueError,
     "mode must be 'dense' or 'local'"),
    ('rw size', lambda: random_walk(IMG, MASKS[:, :, 1:]), ValueError,
     r'seeds must have sizes \(2, 6, 7\).*of embeddings'),
    ('rw devices', lambda: random_walk(IMG, t(2, 4, 6, 7, **META)),
     ValueError, 'got embeddings on cpu, seeds on meta'),
    ('rw reference devices',
     lambda: random_walk_reference(IMG, t(2, 4, 6, 7, **META)), ValueError,
     'got embeddings on cpu, seeds on meta'),
    ('rw color dilation 0', lambda: random_walk_color(IMG, MASKS, dilation=0),
     ValueError, 'dilation must be >= 1, got 0'),
    ('rw color sigma', lambda: random_walk_color(IMG, MASKS, sigma=0),
     ValueError, 'sigma must be > 0'),
    ('rw color radius', lambda: random_walk_color(IMG, MASKS, radius=-1),
     ValueError, 'radius must be >= 0'),
    ('rw color size', lambda: random_walk_color(IMG, MASKS[..., :3]),
     ValueError, r'seeds must have sizes \(2, 6, 7\).*of image'),
    ('rw color devices',
     lambda: random_walk_color(t(2, 3, 6, 7, **META), MASKS), ValueError,
     'got image on meta, seeds on cpu'),
]


@pytest.mark.parametrize('call,error,match', [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_arguments_raise_naming_them(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_mixed_cpu_cuda_raises():
    xc = X.cuda()
    with pytest.raises(ValueError, match='input on cuda:0, weight on cpu'):
        local_weighted_sum(xc, W9, OFF)
    with pytest.raises(ValueError, match='got a on cpu, b on cuda:0'):
        local_dot(X, xc, OFF)
    with pytest.raises(ValueError, match='image on cpu, masks on cuda:0'):
        pamr(IMG, MASKS.cuda())
    with pytest.raises(ValueError, match='embeddings on cuda:0, seeds on cpu'):
        random_walk(IMG.cuda(), MASKS)
    with pytest.raises(ValueError, match='offsets must be on the CPU'):
        local_weighted_sum(X, W9, OFF.cuda())


def _ctx(saved, **attrs):
    return types.SimpleNamespace(saved_tensors=saved,
                                 needs_input_grad=(True, True, False, False,
                                                   False),
                                 stride=1, pad_mode='zeros', **attrs)


@pytest.mark.parametrize('fn', [_LocalWeightedSum, _LocalDot])
def test_backward_checks_incoming_gradient(fn):
    """The backward passes check the gradient before any kernel runs."""
    offs = OFF.to(torch.int32)
    if fn is _LocalWeightedSum:  # saved: input, weight; grad (B, C, Ho, Wo)
        saved, name, good = (X, W9, offs), 'grad_out', (2, 3, 6, 7)
    else:  # saved: a, b; grad (B, T, Ho, Wo)
        saved, name, good = (X, X, offs), 'grad_res', (2, 9, 6, 7)
    with pytest.raises(ValueError, match=rf'{name} must have shape '
                       rf'\({", ".join(map(str, good))}\), got \(2, 3, 6\)'):
        fn.backward(_ctx(saved), t(2, 3, 6))
    with pytest.raises(ValueError, match=f'{name} is on meta, the saved '
                       'tensors on cpu'):
        fn.backward(_ctx(saved), t(*good, **META))
    with pytest.raises(TypeError, match=f'{name} is torch.float64'):
        fn.backward(_ctx(saved), t(*good, dtype=torch.float64))


def test_extension_checks_direct_calls(compiled):
    """A direct call of the extension (past the Python checks) raises
    instead of reading out of bounds."""
    offs = OFF.to(torch.int32)
    out = torch.empty(2, 3, 6, 7)
    with pytest.raises(RuntimeError, match='stride must be >= 1, got 0'):
        compiled.local_weighted_sum_forward(X, W9, offs, out, 0, 0)
    with pytest.raises(RuntimeError, match='pad_mode must be 0'):
        compiled.local_dot(X, X, offs, torch.empty(2, 9, 6, 7), 1, 2)
    with pytest.raises(RuntimeError, match='one device'):
        compiled.local_weighted_sum_forward(X, t(2, 9, 6, 7, **META), offs,
                                            out, 1, 0)
    with pytest.raises(RuntimeError, match='channel counts differ'):
        compiled.local_weighted_sum_backward_input(
            out, W9, offs, torch.empty(2, 4, 6, 7), 1, 0)
    with pytest.raises(RuntimeError, match='CPU tensors only'):
        compiled.dense_walk(torch.ones(1, 4, 4), torch.ones(1, 4),
                            torch.ones(1, 4, 2, device='meta'), 1)


def _dot(a, b, offsets):  # a local dot product of (x, w[:, :3])
    return local_dot(b[:, :3], a, offsets)


def _dot_reference(a, b, offsets):
    return local_dot_reference(b[:, :3], a, offsets)


def _transposed(*shape):
    g = torch.Generator().manual_seed(len(shape))
    return torch.randn(*shape[:2], shape[3], shape[2], generator=g,
                       dtype=torch.double).transpose(2, 3)


def _expanded(*shape):
    g = torch.Generator().manual_seed(len(shape))
    return torch.randn(shape[1], 1, 1, generator=g,
                       dtype=torch.double).expand(*shape)


LWS_KERNELS = ('local_weighted_sum_backward_input', 'local_dot')
DOT_KERNELS = ('local_weighted_sum_forward',
               'local_weighted_sum_backward_input')


@pytest.mark.parametrize('fn,ref,kernels', [
    (local_weighted_sum, local_weighted_sum_reference, LWS_KERNELS),
    (_dot, _dot_reference, DOT_KERNELS)], ids=['lws', 'dot'])
@pytest.mark.parametrize('make_grad', [_transposed, _expanded])
def test_backward_takes_non_contiguous_gradients(fn, ref, kernels, make_grad,
                                                 compiled):
    """Transposed and expanded (stride 0) incoming gradients give the
    gradients of the unfold reference."""
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 3, 6, 7, generator=g, dtype=torch.double)
    w = torch.randn(2, 9, 6, 7, generator=g, dtype=torch.double)
    grad = make_grad(2, 3 if fn is local_weighted_sum else 9, 6, 7)
    assert not grad.is_contiguous()
    a, b = x.clone().requires_grad_(), w.clone().requires_grad_()
    out = torch.autograd.grad(fn(a, b, OFF), (a, b), grad)
    assert all(compiled.calls[k] == 1 for k in kernels), compiled.calls
    a, b = x.clone().requires_grad_(), w.clone().requires_grad_()
    expected = torch.autograd.grad(ref(a, b, OFF), (a, b), grad)
    torch.testing.assert_close(out, expected)
