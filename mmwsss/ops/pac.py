"""Pixel-adaptive convolution: a local weighted sum whose kernel comes from a guide."""
from typing import Optional

import torch

from .checks import (check_images, check_int, check_same_device,
                     check_same_dtype, check_tensor, no_autocast, to_float32)
from .local_weighted_sum import (conv_output_size, grid_offsets,
                                 local_weighted_sum)


def pac(input: torch.Tensor,
        kernel: torch.Tensor,
        kernel_size: int,
        dilation: int = 1,
        stride: int = 1,
        padding: Optional[int] = None) -> torch.Tensor:
    """Pixel-adaptive convolution (Su et al., 2019) without learned weights.

    ``out[b, c, y, x] = sum_{i, j} kernel[b, i*k + j, y, x] *
    input[b, c, y*s - p + i*d, x*s - p + j*d]``, zero outside the input.

    float16 / bfloat16 inputs are computed in float32 (one warning) and the
    result cast back; autocast is disabled inside.

    Args:
        input (Tensor): (B, C, H, W), floating.
        kernel (Tensor): (B, k*k, Ho, Wo) per-pixel kernel, the dtype and
            device of ``input``.
        kernel_size (int): k >= 1.
        dilation (int): d >= 1. Defaults to 1.
        stride (int): s >= 1. Defaults to 1.
        padding (int, optional): p >= 0; None keeps the size at stride 1
            (``d * (k - 1) // 2``).

    Returns:
        Tensor: (B, C, Ho, Wo), ``Ho = (H + 2p - d(k-1) - 1) // s + 1``.
    """
    check_images(input=input)
    check_tensor('kernel', kernel, 4)
    check_same_device(input=input, kernel=kernel)
    check_same_dtype(input=input, kernel=kernel)
    check_int('kernel_size', kernel_size)
    check_int('dilation', dilation)
    check_int('stride', stride)
    if padding is None:
        padding = dilation * (kernel_size - 1) // 2
    check_int('padding', padding, minimum=0)
    size = conv_output_size(input.shape[2:], kernel_size, dilation, stride,
                            padding)
    if min(size) < 1:
        raise ValueError(
            f'input {tuple(input.shape)} is smaller than the dilated kernel '
            f'(kernel_size={kernel_size}, dilation={dilation}, '
            f'padding={padding}): the output would be {size}')
    expected = (input.shape[0], kernel_size * kernel_size) + size
    if tuple(kernel.shape) != expected:
        raise ValueError(f'kernel must have shape {expected} for input '
                         f'{tuple(input.shape)}, got {tuple(kernel.shape)}')
    offsets = grid_offsets(kernel_size, dilation, padding)
    dtype = input.dtype
    with no_autocast(input.device):
        input, kernel = to_float32('pac', input, kernel)
        out = local_weighted_sum(input, kernel, offsets, stride, 'zeros')
    return out.to(dtype)
