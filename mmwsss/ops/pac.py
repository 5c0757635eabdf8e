"""Pixel-adaptive convolution: a local weighted sum whose kernel comes from a guide."""
from typing import Optional

import torch

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

    Args:
        input (Tensor): (B, C, H, W).
        kernel (Tensor): (B, k*k, Ho, Wo) per-pixel kernel.
        kernel_size (int): k.
        dilation (int): d. Defaults to 1.
        stride (int): s. Defaults to 1.
        padding (int, optional): p; None keeps the size at stride 1
            (``d * (k - 1) // 2``).

    Returns:
        Tensor: (B, C, Ho, Wo), ``Ho = (H + 2p - d(k-1) - 1) // s + 1``.
    """
    if padding is None:
        padding = dilation * (kernel_size - 1) // 2
    size = conv_output_size(input.shape[2:], kernel_size, dilation, stride,
                            padding)
    expected = (input.shape[0], kernel_size * kernel_size) + size
    if tuple(kernel.shape) != expected:
        raise ValueError(f'kernel must have shape {expected} for input '
                         f'{tuple(input.shape)}, got {tuple(kernel.shape)}')
    offsets = grid_offsets(kernel_size, dilation, padding)
    return local_weighted_sum(input, kernel, offsets, stride, 'zeros')
