"""PMP's PAC refiner: one layer against naive loops over pixels and taps,
hand-worked examples (flat image, colour edge, borders), the 12-layer module,
its registration, half precision and the checks of the arguments."""
import importlib
import math
import os
import types
import warnings

import pytest
import torch

from mmwsss.models.utils import (PMP_DILATIONS, PMP_KERNEL_SIZES,
                                 PMP_STRIDES, PACRefiner, pac_refiner_layer)
from mmwsss.ops import checks, ext_loader, pac
from mmwsss.registry import MODELS

lws_module = importlib.import_module('mmwsss.ops.local_weighted_sum')


def naive_refiner_layer(scores, image, k, d, s, gain, eps=1e-6):
    """One layer, written with Python loops over output pixels and the
    in-image taps of their windows (float64 Python numbers)."""
    B, C, H, W = scores.shape
    K = image.shape[1]
    S, X = scores.tolist(), image.tolist()
    p = d * (k - 1) // 2
    Ho, Wo = (H - 1) // s + 1, (W - 1) // s + 1
    out = torch.zeros(B, C, Ho, Wo, dtype=torch.float64)
    for b in range(B):
        for yo in range(Ho):
            for xo in range(Wo):
                y, x = yo * s, xo * s
                taps = [(y - p + i * d, x - p + j * d) for i in range(k)
                        for j in range(k)]
                taps = [(ty, tx) for ty, tx in taps
                        if 0 <= ty < H and 0 <= tx < W]
                n = len(taps)
                sigma = 0.0
                for c in range(K):
                    vals = [X[b][c][ty][tx] for ty, tx in taps]
                    m = sum(vals) / n
                    var = sum((v - m)**2 for v in vals) / max(n - 1, 1)
                    sigma += math.sqrt(var) / K
                aff = []
                for ty, tx in taps:
                    diff = sum(abs(X[b][c][y][x] - X[b][c][ty][tx])
                               for c in range(K)) / K
                    aff.append(-diff / (sigma + eps))
                top = max(aff)
                exps = [math.exp(a - top) for a in aff]
                w = [e / sum(exps) for e in exps]
                v = []
                for c in range(C):
                    vals = [S[b][c][ty][tx] for ty, tx in taps]
                    v.append(sum(wt * val for wt, val in zip(w, vals)))
                    if gain:
                        v[c] *= sum(vals) / n
                if gain:
                    total = max(sum(v), eps)
                    v = [val / total for val in v]
                out[b, :, yo, xo] = torch.tensor(v, dtype=torch.float64)
    return out


def rand_inputs(B=2, C=3, H=9, W=11, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(B, C, H, W, generator=g, dtype=dtype).softmax(1)
    image = torch.rand(B, 3, H, W, generator=g, dtype=dtype)
    return scores, image


@pytest.mark.parametrize('gain', [True, False])
@pytest.mark.parametrize('stride', [1, 2])
@pytest.mark.parametrize('dilation', [1, 2])
@pytest.mark.parametrize('kernel_size', [3, 5])
def test_layer_against_naive_loops(kernel_size, dilation, stride, gain):
    scores, image = rand_inputs(seed=kernel_size + 10 * dilation + stride)
    out, guide = pac_refiner_layer(scores, image, kernel_size, dilation,
                                   stride, mean_gain=gain)
    expected = naive_refiner_layer(scores, image, kernel_size, dilation,
                                   stride, gain)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(guide, image[:, :, ::stride, ::stride])
    # probabilities in, probabilities out, at the borders too
    torch.testing.assert_close(out.sum(1), torch.ones_like(out[:, 0]))


@pytest.mark.parametrize('mean_gain', ['every', 'last', 'none'])
def test_refiner_against_naive_layers(mean_gain):
    layers = [(3, 1, 2), (5, 1, 1), (3, 2, 1)]
    scores, image = rand_inputs(seed=7)
    refiner = PACRefiner(*zip(*layers), mean_gain=mean_gain, upsample=False)
    gains = {'every': [True] * 3, 'last': [False, False, True],
             'none': [False] * 3}[mean_gain]
    x, guide = scores, image
    for (k, d, s), gain in zip(layers, gains):
        x = naive_refiner_layer(x, guide, k, d, s, gain)
        guide = guide[:, :, ::s, ::s]
    out = refiner(scores, image)
    assert out.shape == (2, 3, 5, 6)
    torch.testing.assert_close(out, x)
    torch.testing.assert_close(out.sum(1), torch.ones_like(out[:, 0]))


def test_flat_image_keeps_constant_scores():
    """Without the gain a layer averages: constant scores stay constant
    (borders included: the outside taps get no weight)."""
    scores = torch.tensor([0.2, 0.5, 0.3]).view(1, 3, 1, 1).expand(
        2, 3, 20, 24).contiguous()
    image = torch.full((2, 3, 20, 24), 0.4)
    out = PACRefiner(mean_gain='none')(scores, image)
    torch.testing.assert_close(out, scores)
    # a random image too: each layer is a convex combination of constants
    out = PACRefiner(mean_gain='none')(scores, torch.rand(2, 3, 20, 24))
    torch.testing.assert_close(out, scores)


def test_colour_edge_stops_propagation():
    """Class 1 on the left (black) half, class 0 on the right (white) half:
    across the edge less of class 1 leaks into the right half than over a
    flat image."""
    H, W = 8, 12
    scores = torch.zeros(1, 2, H, W, dtype=torch.float64)
    scores[:, 1, :, :6], scores[:, 0, :, :6] = 0.9, 0.1
    scores[:, 1, :, 6:], scores[:, 0, :, 6:] = 0.1, 0.9
    edge = torch.zeros(1, 3, H, W, dtype=torch.float64)
    edge[:, :, :, 6:] = 1.0
    flat = torch.full_like(edge, 0.5)
    on_edge, _ = pac_refiner_layer(scores, edge, 3, mean_gain=False)
    on_flat, _ = pac_refiner_layer(scores, flat, 3, mean_gain=False)
    # pixel (3, 6), first column of the right half: 3 black taps, 6 white
    # flat: uniform weights
    assert on_flat[0, 1, 3, 6].item() == pytest.approx((3 * .9 + 6 * .1) / 9)
    # edge: sigma = 0.5 (unbiased std of three 0s and six 1s), affinity -2
    # for the black taps, 0 for the white ones
    w_black = math.exp(-1 / (0.5 + 1e-6))
    expected = (3 * w_black * .9 + 6 * .1) / (3 * w_black + 6)
    assert on_edge[0, 1, 3, 6].item() == pytest.approx(expected)
    assert expected < 0.16 < 0.36 < on_flat[0, 1, 3, 6].item()
    # the whole stack (stride 1), with and without the gain
    for gain in ('none', 'every'):
        refiner = PACRefiner((3, 3, 3, 3), (1, 1, 2, 2), (1, 1, 1, 1),
                             mean_gain=gain)
        leak_edge = refiner(scores, edge)[0, 1, :, 6:].mean()
        leak_flat = refiner(scores, flat)[0, 1, :, 6:].mean()
        assert leak_edge < leak_flat - 0.05, (gain, leak_edge, leak_flat)


def test_pmp_refiner_shape_and_isolated_activation():
    assert PMP_KERNEL_SIZES == (7, 7, 5, 5) + (3, ) * 8
    assert PMP_DILATIONS == (1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32)
    assert PMP_STRIDES == (2, ) * 4 + (1, ) * 8
    scores = torch.zeros(1, 2, 32, 32)
    scores[:, 0] = 0.9
    scores[:, 1] = 0.1
    scores[0, :, 16, 16] = torch.tensor([0.1, 0.9])  # an isolated blip
    image = torch.full((1, 3, 32, 32), 0.5)
    refiner = PACRefiner()
    assert len(refiner.layers) == 12
    out = refiner(scores, image)
    assert out.shape == scores.shape
    torch.testing.assert_close(out.sum(1), torch.ones(1, 32, 32))
    assert out[0, 1, 16, 16] < 0.5
    # without upsampling: 1/16 of the input
    small = PACRefiner(upsample=False)(scores, image)
    assert small.shape == (1, 2, 2, 2)


def test_image_resized_to_the_scores():
    scores, _ = rand_inputs(H=12, W=16, dtype=torch.float32)
    g = torch.Generator().manual_seed(1)
    image = torch.rand(2, 3, 24, 32, generator=g)
    out = PACRefiner()(scores, image)
    assert out.shape == scores.shape
    # a 2x bilinear downscale (half-pixel centres) is the mean of each 2x2
    # block: one layer guided by the large image is that layer guided by
    # the block means, and not by every second pixel
    one = PACRefiner(kernel_sizes=(3, ), dilations=(1, ), strides=(1, ))
    blocks = image.reshape(2, 3, 12, 2, 16, 2).mean((3, 5))
    out = one(scores, image)
    torch.testing.assert_close(out, one(scores, blocks))
    nearest = one(scores, image[..., ::2, ::2])
    assert (out - nearest).abs().max() > 1e-3


def test_registered_without_parameters_and_no_grad():
    refiner = MODELS.build(dict(type='PACRefiner'))
    assert isinstance(refiner, PACRefiner)
    assert refiner.mean_gain == 'every' and refiner.upsample
    assert refiner.layers == list(
        zip(PMP_KERNEL_SIZES, PMP_DILATIONS, PMP_STRIDES))
    assert not list(refiner.parameters())
    built = MODELS.build(
        dict(type='PACRefiner', kernel_sizes=(3, ), dilations=(2, ),
             strides=(1, ), mean_gain='last', upsample=False))
    assert built.layers == [(3, 2, 1)] and built.mean_gain == 'last'
    logits = torch.randn(2, 3, 16, 16, requires_grad=True)
    with torch.no_grad():
        out = refiner(logits.softmax(1), torch.rand(2, 3, 16, 16))
    assert not out.requires_grad and out.shape == (2, 3, 16, 16)


@pytest.mark.parametrize('mean_gain,calls', [('every', 3), ('last', 3),
                                               ('none', 3)])
def test_weighted_sums_run_on_ops_pac(mean_gain, calls, monkeypatch):
    """The weighted window sums go through :func:`mmwsss.ops.pac` (one call
    per layer; the window mean of the gain is a box filter), and with the
    extension built through its compiled kernel, not the references."""
    module = importlib.import_module('mmwsss.models.utils.pac_refiner')
    seen = []

    def counting_pac(*args, **kwargs):
        seen.append(args[2:])
        return pac(*args, **kwargs)

    monkeypatch.setattr(module, 'pac', counting_pac)
    layers = [(3, 1, 2), (5, 1, 1), (3, 2, 1)]
    scores, image = rand_inputs(H=12, W=10, dtype=torch.float32)
    ext = None if os.environ.get('MMWSSS_OPS') == 'reference' else \
        ext_loader.load_ext()
    if ext is not None:
        spy = types.SimpleNamespace(calls=0)

        def forward(*args):
            spy.calls += 1
            return ext.local_weighted_sum_forward(*args)

        monkeypatch.setitem(
            ext_loader._STATE, 'ext',
            types.SimpleNamespace(with_cuda=ext.with_cuda,
                                  local_weighted_sum_forward=forward))

        def reference(*args, **kwargs):
            raise AssertionError('a pure-PyTorch reference ran')

        monkeypatch.setattr(lws_module, 'local_weighted_sum_reference',
                            reference)
    PACRefiner(*zip(*layers), mean_gain=mean_gain)(scores, image)
    assert len(seen) == calls
    assert {s[:3] for s in seen} == set(layers)
    if ext is not None:
        assert spy.calls == calls


def half_warnings(record):
    return [str(w.message) for w in record
            if 'computed in float32' in str(w.message)]


HALF_CASES = {
    'pac_refiner_layer': lambda s, img: pac_refiner_layer(s, img, 3, 2, 2)[0],
    'PACRefiner': lambda s, img: PACRefiner((3, 3), (1, 2), (2, 1))(s, img),
}


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
@pytest.mark.parametrize('op', list(HALF_CASES))
def test_half_inputs_give_the_float32_result(op, dtype, monkeypatch):
    monkeypatch.setattr(checks, '_HALF_WARNED', set())
    fn = HALF_CASES[op]
    scores, image = rand_inputs(C=4, H=9, W=8, seed=1, dtype=torch.float32)
    args = scores.to(dtype), image.to(dtype)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        out = fn(*args)
        again = fn(*args)
    messages = half_warnings(record)
    assert len(messages) == 1, messages
    assert messages[0].startswith(f'mmwsss.ops.{op}: {dtype}')
    assert out.dtype == dtype
    expected = fn(*[a.float() for a in args])
    tol = dict(rtol=1e-3, atol=1e-5) if dtype == torch.float16 else dict(
        rtol=8e-3, atol=1e-5)
    torch.testing.assert_close(out.float(), expected, **tol)
    torch.testing.assert_close(again, out, rtol=0, atol=0)


@pytest.mark.parametrize('op', list(HALF_CASES))
def test_autocast_computes_in_float32(op):
    fn = HALF_CASES[op]
    scores, image = rand_inputs(C=4, H=9, W=8, seed=1, dtype=torch.float32)
    expected = fn(scores, image)
    with torch.autocast('cpu'):
        out = fn(scores, image)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)


def t(*shape, device='cpu'):
    return torch.rand(*shape, device=device)


IMG, MASKS = t(2, 3, 6, 7), t(2, 4, 6, 7)
META = dict(device='meta')

BAD = [
    ('layer stride 0', lambda: pac_refiner_layer(MASKS, IMG, 3, stride=0),
     ValueError, 'stride must be >= 1, got 0'),
    ('layer dilation 0',
     lambda: pac_refiner_layer(MASKS, IMG, 3, dilation=0), ValueError,
     'dilation must be >= 1, got 0'),
    ('layer even kernel', lambda: pac_refiner_layer(MASKS, IMG, 4),
     ValueError, 'kernel_size must be odd'),
    ('layer eps', lambda: pac_refiner_layer(MASKS, IMG, 3, eps=0),
     ValueError, 'eps must be > 0'),
    ('layer mean_gain', lambda: pac_refiner_layer(MASKS, IMG, 3,
                                                  mean_gain='every'),
     TypeError, 'mean_gain must be a bool'),
    ('layer size', lambda: pac_refiner_layer(MASKS, IMG[..., :5], 3),
     ValueError, r'image must have sizes \(2, 6, 7\)'),
    ('layer batch', lambda: pac_refiner_layer(MASKS, IMG[:1], 3),
     ValueError, r'image must have sizes \(2, 6, 7\) in dims \(0, 2, 3\)'),
    ('layer devices',
     lambda: pac_refiner_layer(MASKS, t(2, 3, 6, 7, **META), 3), ValueError,
     'got scores on cpu, image on meta'),
    ('refiner strides', lambda: PACRefiner((3, 3), (1, 1), (1, 0)),
     ValueError, r'strides\[1\] must be >= 1, got 0'),
    ('refiner lengths', lambda: PACRefiner((3, 3), (1, 1), (1, )),
     ValueError, 'one entry per layer, got 2, 2 and 1'),
    ('refiner even kernel', lambda: PACRefiner((3, 4), (1, 1), (1, 1)),
     ValueError, r'kernel_sizes\[1\] must be odd'),
    ('refiner mean_gain', lambda: PACRefiner(mean_gain='first'), ValueError,
     r"mean_gain must be one of \('every', 'last', 'none'\), got 'first'"),
    ('refiner eps', lambda: PACRefiner(eps=-1), ValueError,
     'eps must be > 0'),
    ('refiner batch', lambda: PACRefiner()(MASKS, IMG[:1]), ValueError,
     r'image must have sizes \(2,\) in dims \(0\) \(the batch size of '
     r'scores\)'),
    ('refiner 3-D', lambda: PACRefiner()(MASKS[0], IMG), ValueError,
     'scores must be 4-D'),
    ('refiner devices', lambda: PACRefiner()(MASKS, t(2, 3, 6, 7, **META)),
     ValueError, 'got scores on cpu, image on meta'),
]


@pytest.mark.parametrize('call,error,match', [c[1:] for c in BAD],
                         ids=[c[0] for c in BAD])
def test_bad_arguments_raise_naming_them(call, error, match):
    with pytest.raises(error, match=match):
        call()
