"""Local weighted sums over tap offsets, and local dot products.

``out[b, c, y, x] = sum_t weight[b, t, y, x] * input[b, c, y*s + dy_t, x*s + dx_t]``

with zero (``pad_mode='zeros'``) or border (``'replicate'``) values outside the
input. This is the core of pixel-adaptive convolution, PAMR and local random
walks. The compiled kernels never build the unfolded ``(B, C, T, H, W)``
tensor; the reference below does, and is the straightforward formulation.
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from torch.autograd import Function
from torch.autograd.function import once_differentiable

from .checks import (check_dims, check_grad, check_images, check_int,
                     check_ints, check_offsets, check_same_device,
                     check_same_dtype, check_tensor, no_autocast,
                     to_float32)
from .ext_loader import ext_supports, load_ext

PAD_MODES = {'zeros': 0, 'replicate': 1}


def grid_offsets(kernel_size: int, dilation: int = 1,
                 padding: int = 0) -> torch.Tensor:
    """Offsets ``(dy, dx)`` of a ``k x k`` kernel, tap ``t = i * k + j``.

    Returns:
        Tensor: (k*k, 2) int32, ``dy = i * dilation - padding``.
    """
    check_int('kernel_size', kernel_size)
    check_int('dilation', dilation)
    check_int('padding', padding, minimum=None)
    r = torch.arange(kernel_size, dtype=torch.int32) * dilation - padding
    dy, dx = torch.meshgrid(r, r, indexing='ij')
    return torch.stack([dy.reshape(-1), dx.reshape(-1)], 1)


def neighbour_offsets(dilations: Sequence[int]) -> torch.Tensor:
    """The 8 neighbours of a 3x3 window at each dilation (centre left out).

    Returns:
        Tensor: (8 * len(dilations), 2) int32.
    """
    dilations = check_ints('dilations', dilations)
    base = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
            if (dy, dx) != (0, 0)]
    return torch.tensor([(dy * d, dx * d) for d in dilations for dy, dx in base],
                        dtype=torch.int32)


def gather_taps(input: torch.Tensor, offsets: torch.Tensor, out_size,
                stride: int = 1, pad_mode: str = 'zeros') -> torch.Tensor:
    """The unfolded ``(B, C, T, Ho, Wo)`` tensor of input values at each tap."""
    B, C, H, W = input.shape
    Ho, Wo = out_size
    offs = offsets.tolist()
    pad = max([abs(v) for o in offs for v in o] + [0]) + max(
        (Ho - 1) * stride - H + 1, (Wo - 1) * stride - W + 1, 0)
    mode = 'constant' if pad_mode == 'zeros' else 'replicate'
    padded = F.pad(input, [pad] * 4, mode=mode)
    taps = []
    for dy, dx in offs:
        y0, x0 = pad + dy, pad + dx
        taps.append(padded[:, :, y0:y0 + (Ho - 1) * stride + 1:stride,
                           x0:x0 + (Wo - 1) * stride + 1:stride])
    return torch.stack(taps, 2)


def local_weighted_sum_reference(input, weight, offsets, stride=1,
                                 pad_mode='zeros'):
    """Pure-PyTorch reference: unfold, multiply, sum."""
    check_local_weighted_sum(input, weight, offsets, stride, pad_mode)
    taps = gather_taps(input, offsets, weight.shape[2:], stride, pad_mode)
    return (taps * weight.unsqueeze(1)).sum(2)


def local_dot_reference(a, b, offsets, stride=1, pad_mode='zeros'):
    """``res[n, t, y, x] = sum_c a[n, c, y, x] * b[n, c, y*s + dy_t, x*s + dx_t]``."""
    check_local_dot(a, b, offsets, stride, pad_mode)
    taps = gather_taps(b, offsets, a.shape[2:], stride, pad_mode)
    return (taps * a.unsqueeze(2)).sum(1)


def _check_pad_mode(pad_mode):
    if pad_mode not in PAD_MODES:
        raise ValueError(f'pad_mode must be one of {list(PAD_MODES)}, got '
                         f'{pad_mode!r}')


def check_local_weighted_sum(input, weight, offsets, stride, pad_mode):
    """Arguments of :func:`local_weighted_sum` (raises on bad ones)."""
    check_images(input=input)
    check_tensor('weight', weight, 4)
    device = check_same_device(input=input, weight=weight)
    check_same_dtype(input=input, weight=weight)
    check_offsets(offsets, device)
    check_dims('weight', weight, (0, 1), (input.shape[0], offsets.shape[0]),
               '(the batch size of input and the number of offsets)')
    check_int('stride', stride)
    _check_pad_mode(pad_mode)


def check_local_dot(a, b, offsets, stride, pad_mode):
    """Arguments of :func:`local_dot` (raises on bad ones)."""
    check_tensor('a', a, 4)
    check_images(b=b)
    device = check_same_device(a=a, b=b)
    check_same_dtype(a=a, b=b)
    check_offsets(offsets, device)
    check_dims('a', a, (0, 1), b.shape[:2], '(the batch size and channels '
               'of b)')
    check_int('stride', stride)
    _check_pad_mode(pad_mode)


class _LocalWeightedSum(Function):

    @staticmethod
    def forward(ctx, input, weight, offsets, stride, pad_mode):
        ext = load_ext()
        input = input.contiguous()
        weight = weight.contiguous()
        offsets = offsets.to(torch.int32).contiguous()
        B, C = input.shape[:2]
        out = input.new_empty((B, C) + tuple(weight.shape[2:]))
        ext.local_weighted_sum_forward(input, weight, offsets, out, stride,
                                       PAD_MODES[pad_mode])
        ctx.save_for_backward(input, weight, offsets)
        ctx.stride, ctx.pad_mode = stride, pad_mode
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        ext = load_ext()
        input, weight, offsets = ctx.saved_tensors
        grad_out = check_grad('grad_out', grad_out, input,
                              input.shape[:2] + weight.shape[2:])
        mode = PAD_MODES[ctx.pad_mode]
        grad_input = grad_weight = None
        if ctx.needs_input_grad[0]:
            grad_input = torch.empty_like(input)
            ext.local_weighted_sum_backward_input(grad_out, weight, offsets,
                                                  grad_input, ctx.stride, mode)
        if ctx.needs_input_grad[1]:
            grad_weight = torch.empty_like(weight)
            ext.local_dot(grad_out, input, offsets, grad_weight, ctx.stride,
                          mode)
        return grad_input, grad_weight, None, None, None


class _LocalDot(Function):

    @staticmethod
    def forward(ctx, a, b, offsets, stride, pad_mode):
        ext = load_ext()
        a, b = a.contiguous(), b.contiguous()
        offsets = offsets.to(torch.int32).contiguous()
        res = a.new_empty((a.shape[0], offsets.shape[0]) + tuple(a.shape[2:]))
        ext.local_dot(a, b, offsets, res, stride, PAD_MODES[pad_mode])
        ctx.save_for_backward(a, b, offsets)
        ctx.stride, ctx.pad_mode = stride, pad_mode
        return res

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_res):
        ext = load_ext()
        a, b, offsets = ctx.saved_tensors
        grad_res = check_grad('grad_res', grad_res, a,
                              (a.shape[0], offsets.shape[0]) + a.shape[2:])
        mode = PAD_MODES[ctx.pad_mode]
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:  # d/da = sum_t g_t * b(shifted)
            grad_a = torch.empty_like(a)
            ext.local_weighted_sum_forward(b, grad_res, offsets, grad_a,
                                           ctx.stride, mode)
        if ctx.needs_input_grad[1]:  # scatter of g_t * a
            grad_b = torch.empty_like(b)
            ext.local_weighted_sum_backward_input(a, grad_res, offsets, grad_b,
                                                  ctx.stride, mode)
        return grad_a, grad_b, None, None, None


def _use_ext(*tensors) -> bool:
    return all(ext_supports(t) and t.dtype in (torch.float32, torch.float64)
               for t in tensors)


def local_weighted_sum(input: torch.Tensor, weight: torch.Tensor,
                       offsets: torch.Tensor, stride: int = 1,
                       pad_mode: str = 'zeros') -> torch.Tensor:
    """Local weighted sum (see the module docstring).

    float16 / bfloat16 inputs are computed in float32 (one warning) and the
    result cast back; autocast is disabled inside.

    Args:
        input (Tensor): (B, C, H, W), floating.
        weight (Tensor): (B, T, Ho, Wo) per-pixel tap weights, the dtype and
            device of ``input``.
        offsets (Tensor): (T, 2) integer ``(dy, dx)`` tap offsets, on the CPU
            or the device of ``input``.
        stride (int): Output stride, >= 1. Defaults to 1.
        pad_mode (str): ``'zeros'`` or ``'replicate'``.

    Returns:
        Tensor: (B, C, Ho, Wo), the dtype of ``input``.
    """
    check_local_weighted_sum(input, weight, offsets, stride, pad_mode)
    dtype = input.dtype
    with no_autocast(input.device):
        input, weight = to_float32('local_weighted_sum', input, weight)
        if _use_ext(input, weight):
            out = _LocalWeightedSum.apply(input, weight, offsets.cpu(),
                                          stride, pad_mode)
        else:
            out = local_weighted_sum_reference(input, weight, offsets, stride,
                                               pad_mode)
    return out.to(dtype)


def local_dot(a: torch.Tensor, b: torch.Tensor, offsets: torch.Tensor,
              stride: int = 1, pad_mode: str = 'zeros') -> torch.Tensor:
    """Dot products of ``a`` with ``b`` at each tap offset.

    float16 / bfloat16 inputs are computed in float32 (one warning) and the
    result cast back; autocast is disabled inside.

    Args:
        a (Tensor): (B, C, Ho, Wo), taken at the output position.
        b (Tensor): (B, C, H, W), taken at the tap position; the dtype and
            device of ``a``.
        offsets (Tensor): (T, 2) integer tap offsets, on the CPU or the
            device of ``a``.
        stride (int): Output stride, >= 1. Defaults to 1.
        pad_mode (str): ``'zeros'`` or ``'replicate'``.

    Returns:
        Tensor: (B, T, Ho, Wo), the dtype of ``a``.
    """
    check_local_dot(a, b, offsets, stride, pad_mode)
    dtype = a.dtype
    with no_autocast(a.device):
        a, b = to_float32('local_dot', a, b)
        if _use_ext(a, b):
            res = _LocalDot.apply(a, b, offsets.cpu(), stride, pad_mode)
        else:
            res = local_dot_reference(a, b, offsets, stride, pad_mode)
    return res.to(dtype)


def conv_output_size(size: Tuple[int, int], kernel_size: int, dilation: int,
                     stride: int, padding: int) -> Tuple[int, int]:
    """Output size of a convolution (as ``torch.nn.Conv2d``)."""
    return tuple((s + 2 * padding - dilation * (kernel_size - 1) - 1) // stride
                 + 1 for s in size)
