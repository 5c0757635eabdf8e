"""Compiled ops against their references (forward, gradients), on every
available device.

The parity tests take the ``compiled`` fixture (``conftest.py``): they fail
when ``mmwsss._ext`` did not build, and check that its kernels ran. With
``MMWSSS_OPS=reference`` they are skipped and the tests against naive loops
and hand-worked examples run on the references alone.
"""
import os
import shutil
import subprocess
import sys
import types

import pytest
import torch

from mmwsss.ops import (grid_offsets, local_dot, local_dot_reference,
                        local_weighted_sum, local_weighted_sum_reference, pac,
                        pamr, pamr_affinity, pamr_reference, random_walk,
                        random_walk_color, random_walk_reference)

DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def test_extension_is_built(compiled):
    if torch.cuda.is_available():
        assert compiled.with_cuda(), 'mmwsss._ext was built without CUDA'


def test_parity_tests_fail_without_extension():
    """With ``mmwsss._ext`` unimportable a parity test fails (it does not
    compare the reference with itself)."""
    test = (f'{os.path.abspath(__file__)}::'
            'test_local_weighted_sum_matches_reference[size0-zeros-1-cpu]')
    code = ('import sys; sys.modules["mmwsss._ext"] = None\n'
            'import pytest\n'
            'sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", '
            f'{test!r}]))')
    env = {k: v for k, v in os.environ.items() if k != 'MMWSSS_OPS'}
    proc = subprocess.run([sys.executable, '-c', code], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    text = proc.stdout + proc.stderr
    # the fixture fails: pytest reports an error at set-up, exit status 1
    assert proc.returncode == 1, text
    assert 'mmwsss._ext did not build' in text and 'passed' not in text, text


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('stride', [1, 2, 3])
@pytest.mark.parametrize('pad_mode', ['zeros', 'replicate'])
@pytest.mark.parametrize('size', [(7, 11), (1, 5), (13, 4)])
def test_local_weighted_sum_matches_reference(device, stride, pad_mode, size,
                                             compiled):
    # a fixed seed per case (str hashes change with PYTHONHASHSEED)
    g = torch.Generator().manual_seed(
        100 * stride + 10 * size[0] + size[1] + (pad_mode == 'zeros'))
    H, W = size
    x = torch.randn(3, 4, H, W, generator=g).to(device)
    offsets = torch.tensor([[0, 0], [-2, 1], [3, -3], [1, 5], [-4, -1]],
                           dtype=torch.int32)
    Ho, Wo = (H - 1) // stride + 1, (W - 1) // stride + 1
    w = torch.randn(3, 5, Ho, Wo, generator=g).to(device)
    out = local_weighted_sum(x, w, offsets, stride, pad_mode)
    ref = local_weighted_sum_reference(x, w, offsets, stride, pad_mode)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    a = torch.randn(3, 4, Ho, Wo, generator=g).to(device)
    torch.testing.assert_close(local_dot(a, x, offsets, stride, pad_mode),
                               local_dot_reference(a, x, offsets, stride,
                                                   pad_mode),
                               atol=1e-5, rtol=1e-5)
    assert compiled.calls['local_weighted_sum_forward'] == 1
    assert compiled.calls['local_dot'] == 1


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('stride,pad_mode', [(1, 'zeros'), (2, 'replicate'),
                                             (2, 'zeros')])
def test_gradcheck(device, stride, pad_mode, compiled):
    g = torch.Generator().manual_seed(0)
    offsets = grid_offsets(3, 2, 2)
    x = torch.randn(2, 2, 6, 7, generator=g, dtype=torch.double).to(device)
    Ho, Wo = (6 - 1) // stride + 1, (7 - 1) // stride + 1
    w = torch.randn(2, 9, Ho, Wo, generator=g, dtype=torch.double).to(device)
    a = torch.randn(2, 2, Ho, Wo, generator=g, dtype=torch.double).to(device)
    for t in (x, w, a):
        t.requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda x, w: local_weighted_sum(x, w, offsets, stride, pad_mode),
        (x, w))
    assert torch.autograd.gradcheck(
        lambda a, x: local_dot(a, x, offsets, stride, pad_mode), (a, x))
    assert compiled.calls['local_weighted_sum_backward_input'] > 0
    assert compiled.calls['local_dot'] > 0


def naive_pac(x, kernel, k, d, s, p):
    B, C, H, W = x.shape
    Ho, Wo = kernel.shape[2:]
    out = torch.zeros(B, C, Ho, Wo, dtype=x.dtype)
    for b in range(B):
        for y in range(Ho):
            for xx in range(Wo):
                for i in range(k):
                    for j in range(k):
                        iy, ix = y * s - p + i * d, xx * s - p + j * d
                        if 0 <= iy < H and 0 <= ix < W:
                            out[b, :, y, xx] += kernel[b, i * k + j, y, xx] * \
                                x[b, :, iy, ix]
    return out


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('k,d,s,p', [(3, 1, 1, None), (5, 2, 2, None),
                                     (3, 3, 1, 0), (7, 1, 2, 3)])
def test_pac_against_naive_loops(device, k, d, s, p):
    g = torch.Generator().manual_seed(k * 10 + d)
    x = torch.randn(2, 3, 9, 8, generator=g)
    pad = d * (k - 1) // 2 if p is None else p
    Ho, Wo = ((9 + 2 * pad - d * (k - 1) - 1) // s + 1,
              (8 + 2 * pad - d * (k - 1) - 1) // s + 1)
    kernel = torch.randn(2, k * k, Ho, Wo, generator=g)
    out = pac(x.to(device), kernel.to(device), k, d, s, p)
    torch.testing.assert_close(out.cpu(), naive_pac(x, kernel, k, d, s, pad),
                               atol=1e-5, rtol=1e-5)


def test_pac_kernel_shape_error():
    with pytest.raises(ValueError, match='kernel must have shape'):
        pac(torch.zeros(1, 2, 8, 8), torch.zeros(1, 9, 4, 4), 3)


@pytest.mark.parametrize('device', DEVICES)
def test_pamr_matches_unfold_reference(device, compiled):
    g = torch.Generator().manual_seed(1)
    img = torch.rand(2, 3, 21, 26, generator=g).to(device)
    masks = torch.rand(2, 5, 21, 26, generator=g).to(device)
    out = pamr(img, masks, num_iters=4)
    ref = pamr_reference(img, masks, num_iters=4)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-4)
    assert compiled.calls['local_weighted_sum_forward'] == 4
    aff = pamr_affinity(img)
    assert aff.shape == (2, 48, 21, 26)
    torch.testing.assert_close(aff.sum(1), torch.ones(2, 21, 26,
                                                      device=device))


def test_pamr_follows_image_edges():
    img = torch.zeros(1, 3, 16, 16)
    img[..., 8:] = 1.0  # left dark, right bright
    img += 0.01 * torch.rand(1, 3, 16, 16, generator=torch.Generator()
                             .manual_seed(0))
    masks = torch.zeros(1, 2, 16, 16)
    masks[0, 0, :, 2] = 1  # class 0 seeded on the left
    masks[0, 1, :, 13] = 1  # class 1 seeded on the right
    out = pamr(img, masks, dilations=(1, 2), num_iters=30)
    pred = out.argmax(1)[0]
    assert (pred[:, :8] == 0).float().mean() > 0.95
    assert (pred[:, 8:] == 1).float().mean() > 0.95


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('num_steps', [64, 6])
def test_random_walk_matches_dense_powers(device, num_steps, compiled):
    g = torch.Generator().manual_seed(num_steps)
    e = torch.randn(3, 8, 6, 7, generator=g, dtype=torch.double).to(device)
    s = torch.rand(3, 4, 6, 7, generator=g, dtype=torch.double).to(device)
    ref = random_walk_reference(e, s, 2, 1, num_steps)
    dense = random_walk(e, s, 2, 1, num_steps)
    torch.testing.assert_close(dense, ref)
    chunked = random_walk(e, s, 2, 1, num_steps, max_elements=42 * 42)
    torch.testing.assert_close(chunked, ref)
    # a window covering the whole grid is the dense walk
    local = random_walk(e, s, 2, 1, num_steps, mode='local', radius=7)
    torch.testing.assert_close(local, ref)
    if device == 'cpu':  # all the steps in one call of the fused kernel
        assert compiled.calls['local_walk'] == 1
    else:
        assert compiled.calls['local_weighted_sum_forward'] == num_steps


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
@pytest.mark.parametrize('num_steps', [0, 1, 2, 7])
@pytest.mark.parametrize('clamp', [True, False])
def test_local_walk_kernel_matches_stepwise_reference(dtype, num_steps, clamp,
                                                      compiled):
    """The fused CPU walk against one reference weighted sum per step and
    ``torch.where`` on the labelled pixels (seed scores summing to > 0)."""
    g = torch.Generator().manual_seed(num_steps)
    offsets = grid_offsets(3, 2, 2)  # 3 x 3 taps at dilation 2
    weight = torch.rand(2, 9, 7, 9, generator=g, dtype=dtype)
    seeds = torch.zeros(2, 3, 7, 9, dtype=dtype)
    seeds[0, 1, 2, 3] = 1
    seeds[0, 0, 5, 8] = 0.5
    seeds[0, 2, 5, 8] = 0.5
    seeds[1, 2, 0, 0] = 1  # image 1: one seed in a corner
    labelled = seeds.sum(1, keepdim=True) > 0
    expected = seeds
    for _ in range(num_steps):
        expected = local_weighted_sum_reference(expected, weight, offsets)
        if clamp:
            expected = torch.where(labelled, seeds, expected)
    out = torch.empty_like(seeds)
    compiled.local_walk(seeds, weight, offsets, out, num_steps, clamp)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == torch.float32 else {}
    torch.testing.assert_close(out, expected, **tol)
    if num_steps:  # the walk moved mass, and the seeds stay when clamped
        assert not torch.equal(out, seeds)
        assert torch.equal(out[labelled.expand_as(out)],
                           seeds[labelled.expand_as(seeds)]) == clamp


def test_local_walk_kernel_rejects_bad_input(compiled):
    offsets = grid_offsets(3, 1, 1)
    seeds = torch.zeros(1, 2, 4, 4)
    with pytest.raises(RuntimeError, match='num_steps'):
        compiled.local_walk(seeds, torch.ones(1, 9, 4, 4), offsets,
                            torch.empty_like(seeds), -1, True)
    with pytest.raises(RuntimeError, match='share'):
        compiled.local_walk(seeds, torch.ones(1, 9, 4, 4), offsets,
                            torch.empty(1, 3, 4, 4), 1, True)
    with pytest.raises(RuntimeError, match='taps'):
        compiled.local_walk(seeds, torch.ones(1, 8, 4, 4), offsets,
                            torch.empty_like(seeds), 1, True)


def test_random_walk_color_fused_matches_per_step(compiled, monkeypatch):
    """random_walk_color through the fused kernel equals the per-step
    path (the one autograd and the GPU take)."""
    g = torch.Generator().manual_seed(0)
    img = torch.rand(2, 3, 10, 11, generator=g)
    seeds = torch.zeros(2, 4, 10, 11)
    seeds[0, 0, 1, 1] = seeds[0, 3, 8, 9] = seeds[1, 2, 5, 5] = 1
    fused = random_walk_color(img, seeds, num_steps=30, radius=2)
    assert compiled.calls['local_walk'] == 1
    with torch.enable_grad():
        stepwise = random_walk_color(img, seeds.requires_grad_(),
                                     num_steps=30, radius=2)
    assert compiled.calls['local_weighted_sum_forward'] == 30
    torch.testing.assert_close(fused, stepwise.detach())


@pytest.mark.parametrize('num_classes', [1, 5, 8, 16, 21, 24, 30, 50])
@pytest.mark.parametrize('num_steps', [0, 1, 3])
def test_dense_walk_kernel_matches_products(num_classes, num_steps,
                                            compiled):
    """The CPU kernel (row tails: N = 39, column tails: C not a multiple of
    8 or 24) against diag(1/deg) A Y in double precision."""
    ext = compiled
    g = torch.Generator().manual_seed(num_classes)
    e = torch.nn.functional.normalize(torch.randn(2, 6, 39, generator=g), dim=1)
    aff = torch.exp(4 * (e.transpose(1, 2) @ e - 1))
    deg = aff.sum(1)
    scores = torch.rand(2, 39, num_classes, generator=g)
    expected = scores.double()
    for _ in range(num_steps):
        expected = aff.double() @ expected / deg.double().unsqueeze(2)
    out = ext.dense_walk(aff, deg.reciprocal(), scores, num_steps)
    torch.testing.assert_close(out.double(), expected, rtol=1e-5, atol=1e-6)


def test_dense_walk_kernel_rejects_bad_input(compiled):
    ext = compiled
    aff = torch.ones(1, 4, 4)
    with pytest.raises(RuntimeError, match='float32'):
        ext.dense_walk(aff.double(), torch.ones(1, 4), torch.ones(1, 4, 2), 1)
    with pytest.raises(RuntimeError, match='sizes differ'):
        ext.dense_walk(aff, torch.ones(1, 5), torch.ones(1, 4, 2), 1)


def test_random_walk_float32_matches_squaring(compiled):
    """Clustered embeddings (real mixing within clusters): the float32 walk
    (the compiled kernel on the CPU) equals T^64 by squaring in double."""
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(3, 16, generator=g)
    labels = torch.randint(0, 3, (2, 20 * 21), generator=g)
    e = centres[labels].transpose(1, 2) + 0.3 * torch.randn(2, 16, 420,
                                                           generator=g)
    e = e.view(2, 16, 20, 21)
    s = torch.rand(2, 21, 20, 21, generator=g)
    ref = random_walk_reference(e.double(), s.double())
    out = random_walk(e, s)
    assert out.dtype == torch.float32
    # the walk really mixes: far from the seeds
    assert (ref - s.double()).abs().max() > 0.1
    torch.testing.assert_close(out.double(), ref, rtol=1e-4, atol=1e-5)
    assert compiled.calls['dense_walk'] == 1


def test_random_walk_hand_computed_two_pixels():
    # two pixels with cos = 0: A = [[1, e^-bg], [e^-bg, 1]], columns sum to 1
    e = torch.tensor([[[[1.0, 0.0]], [[0.0, 1.0]]]])  # (1, 2, 1, 2)
    s = torch.tensor([[[[1.0, 0.0]]]])  # (1, 1, 1, 2)
    q = torch.exp(torch.tensor(-1.0 * 1.0))
    T = torch.tensor([[1, q], [q, 1]]) / (1 + q)
    out = random_walk(e, s, beta=1, gamma=1, num_steps=3)
    expected = torch.tensor([1.0, 0.0]) @ torch.linalg.matrix_power(T, 3)
    torch.testing.assert_close(out.flatten(), expected)


def test_random_walk_color_separates_regions():
    img = torch.zeros(1, 3, 12, 12)
    img[..., 6:] = 1.0
    seeds = torch.zeros(1, 2, 12, 12)
    seeds[0, 0, 5, 1] = 1
    seeds[0, 1, 6, 10] = 1
    out = random_walk_color(img, seeds, num_steps=200, radius=1, sigma=0.1)
    pred = out.argmax(1)[0]
    assert (pred[:, :6] == 0).all() and (pred[:, 6:] == 1).all()
    assert out[0, 0, 5, 1] == 1 and out[0, 1, 6, 10] == 1


def test_fallback_logs_once_and_agrees():
    code = (
        'import torch\n'
        'from mmwsss.ops import local_weighted_sum, grid_offsets\n'
        'x = torch.ones(1, 1, 4, 4); w = torch.ones(1, 9, 4, 4)\n'
        'o = grid_offsets(3, 1, 1)\n'
        'print(local_weighted_sum(x, w, o)[0, 0].tolist())\n'
        'local_weighted_sum(x, w, o)\n')
    env = dict(os.environ, MMWSSS_OPS='reference')
    proc = subprocess.run([sys.executable, '-c', code], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout + proc.stderr
    assert text.count('pure-PyTorch reference') == 1
    assert '[[4.0, 6.0, 6.0, 4.0], [6.0, 9.0, 9.0, 6.0]' in text


NVCC = shutil.which('nvcc') or ('/usr/local/cuda/bin/nvcc' if os.path.isfile(
    '/usr/local/cuda/bin/nvcc') else None)


@pytest.mark.skipif(NVCC is None or torch.version.cuda is None,
                    reason='needs nvcc and a CUDA build of torch')
def test_cuda_sources_compile(tmp_path):
    """The .cu kernels compile for sm_90 even on a machine without a GPU."""
    from torch.utils.cpp_extension import include_paths
    src = os.path.join(REPO, 'mmwsss/ops/csrc/cuda/local_ops_cuda.cu')
    cuda_root = os.path.dirname(os.path.dirname(os.path.realpath(NVCC)))
    incs = include_paths(device_type='cuda') + [
        os.path.join(cuda_root, 'include'),
        os.path.join(REPO, 'mmwsss/ops/csrc/common')] + wheel_cuda_includes()
    cmd = [NVCC, '-c', src, '-o', str(tmp_path / 'k.o'), '-std=c++20',
           '-gencode=arch=compute_90,code=sm_90', '-DWITH_CUDA',
           '--expt-relaxed-constexpr', '-Xcompiler', '-fPIC',
           f'-DTORCH_EXTENSION_NAME=_ext',
           '-D_GLIBCXX_USE_CXX11_ABI=1'] + [f'-I{p}' for p in incs] + [
               f'-I{sysconfig_include()}']
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / 'k.o').stat().st_size > 0


def wheel_cuda_includes():
    # headers of the CUDA libraries that pip's torch wheels bring (cusparse...)
    import glob
    try:
        import nvidia
    except ImportError:
        return []
    return [p for root in nvidia.__path__
            for p in glob.glob(os.path.join(root, '*', 'include'))]


def sysconfig_include():
    import sysconfig
    return sysconfig.get_paths()['include']


def test_cuda_tensor_without_cuda_kernels_is_reported_once(monkeypatch):
    """An extension built without CUDA sends CUDA tensors to the references
    with one warning, not silently."""
    from mmwsss.ops import ext_loader
    fake_ext = types.SimpleNamespace(with_cuda=lambda: False)
    monkeypatch.setitem(ext_loader._STATE, 'ext', fake_ext)
    monkeypatch.delitem(ext_loader._STATE, 'reported_no_cuda', raising=False)
    cuda_tensor = types.SimpleNamespace(device=torch.device('cuda', 0),
                                        is_cuda=True)
    logged = []
    monkeypatch.setattr(ext_loader, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    assert not ext_loader.ext_supports(cuda_tensor)
    assert not ext_loader.ext_supports(cuda_tensor)
    assert ext_loader.ext_supports(torch.zeros(1))
    assert not ext_loader.ext_supports(torch.zeros(1, device='meta'))
    assert len(logged) == 1 and 'built without CUDA' in logged[0]
