"""The PAC refiner of PMP (Akiva & Dana, "Towards single stage weakly supervised
semantic segmentation", sections 3.1 and 4.1).

A stack of pixel-adaptive convolutions without learned weights. Layer l maps the
class scores ``x^(l-1)`` to ``x^(l) = x^(l-1) (*) k`` with, for output pixel i
and tap j of its window,

    k_ij = softmax_j(-|X_i - X_j| / (sigma_i + eps)) * mu_i

where X is the image in [0, 1] (absolute differences averaged over colour
channels), sigma_i the standard deviation of X over the window of i and mu_i the
mean of ``x^(l-1)`` over the window (per class). The paper writes the kernel
without normalisation; here, as in PAMR (which PMP builds on), the colour term
is normalised with a softmax over the taps so that a layer averages, and the
result is renormalised over classes after each layer: the mean term then
amplifies the classes that are strong around a pixel relative to the others
(without it, twelve products of means in [0, 1] underflow to zero). Windows
over an edge (large sigma) and isolated activations are damped.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .local_weighted_sum import (conv_output_size, gather_taps, grid_offsets,
                                 local_weighted_sum)

PMP_KERNEL_SIZES = (7, 7, 5, 5, 3, 3, 3, 3, 3, 3, 3, 3)
PMP_DILATIONS = (1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32)
PMP_STRIDES = (2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1)


def pac_refiner_layer(scores: torch.Tensor, image: torch.Tensor,
                      kernel_size: int, dilation: int = 1, stride: int = 1,
                      eps: float = 1e-6):
    """One refiner layer.

    Args:
        scores (Tensor): (B, C, H, W) class scores (e.g. softmax output).
        image (Tensor): (B, 3, H, W) guide in [0, 1], same size.

    Returns:
        tuple: refined scores (B, C, Ho, Wo) and the guide sampled at the
        output positions (B, 3, Ho, Wo).
    """
    pad = dilation * (kernel_size - 1) // 2
    size = conv_output_size(scores.shape[2:], kernel_size, dilation, stride,
                            pad)
    offsets = grid_offsets(kernel_size, dilation, pad)
    # colour term: the 3-channel guide is small enough to unfold
    taps = gather_taps(image, offsets, size, stride, 'replicate')  # B,3,T,h,w
    centre = image[:, :, ::stride, ::stride][:, :, :size[0], :size[1]]
    sigma = taps.std(2).mean(1, keepdim=True)  # (B, 1, h, w)
    diff = (taps - centre.unsqueeze(2)).abs().mean(1)  # (B, T, h, w)
    kernel = (-diff / (sigma + eps)).softmax(1).to(scores.dtype)
    uniform = torch.full_like(kernel, 1.0 / kernel.shape[1])
    mean = local_weighted_sum(scores, uniform, offsets, stride, 'replicate')
    out = local_weighted_sum(scores, kernel, offsets, stride, 'replicate')
    out = out * mean
    return out / out.sum(1, keepdim=True).clamp(min=eps), centre


class PACRefiner(nn.Module):
    """PMP's PAC refinement network (no learned weights).

    Args:
        kernel_sizes (Sequence[int]): Per layer. Defaults to PMP's (the paper
            lists 11 sizes for 12 layers; the last one is repeated).
        dilations (Sequence[int]): Per layer.
        strides (Sequence[int]): Per layer.
        upsample (bool): Resize the result back to the input size
            (bilinear). Defaults to True.
    """

    def __init__(self,
                 kernel_sizes: Sequence[int] = PMP_KERNEL_SIZES,
                 dilations: Sequence[int] = PMP_DILATIONS,
                 strides: Sequence[int] = PMP_STRIDES,
                 upsample: bool = True):
        super().__init__()
        if not len(kernel_sizes) == len(dilations) == len(strides):
            raise ValueError('kernel_sizes, dilations and strides must have '
                             'one entry per layer')
        self.layers = list(zip(kernel_sizes, dilations, strides))
        self.upsample = upsample

    def forward(self, scores: torch.Tensor, image: torch.Tensor):
        """Args:
            scores (Tensor): (B, C, H, W) class probabilities.
            image (Tensor): (B, 3, H', W') image in [0, 1]; resized to the
                scores when the sizes differ.
        """
        size = scores.shape[2:]
        if image.shape[2:] != size:
            image = F.interpolate(image, size=size, mode='bilinear',
                                  align_corners=False)
        x, guide = scores, image.to(scores.dtype)
        for k, d, s in self.layers:
            x, guide = pac_refiner_layer(x, guide, k, d, s)
        if self.upsample and x.shape[2:] != size:
            x = F.interpolate(x, size=size, mode='bilinear',
                              align_corners=False)
        return x
