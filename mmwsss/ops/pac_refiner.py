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

from .checks import (check_dims, check_images, check_int, check_ints,
                     check_positive, check_same_device, no_autocast,
                     to_float32)
from .local_weighted_sum import (conv_output_size, gather_taps, grid_offsets,
                                 local_weighted_sum)

PMP_KERNEL_SIZES = (7, 7, 5, 5, 3, 3, 3, 3, 3, 3, 3, 3)
PMP_DILATIONS = (1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32)
PMP_STRIDES = (2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1)


def pac_refiner_layer(scores: torch.Tensor, image: torch.Tensor,
                      kernel_size: int, dilation: int = 1, stride: int = 1,
                      eps: float = 1e-6):
    """One refiner layer.

    float16 / bfloat16 inputs are computed in float32 (one warning) and the
    results cast back; autocast is disabled inside.

    Args:
        scores (Tensor): (B, C, H, W) class scores (e.g. softmax output).
        image (Tensor): (B, K, H, W) guide in [0, 1] (K = 3 for RGB), same
            batch size, size and device.
        kernel_size (int): Window size k >= 1.
        dilation (int): Window dilation >= 1. Defaults to 1.
        stride (int): Output stride >= 1. Defaults to 1.
        eps (float): > 0, added to the window's standard deviation and to the
            class sum. Defaults to 1e-6.

    Returns:
        tuple: refined scores (B, C, Ho, Wo) in the dtype of ``scores`` and
        the guide sampled at the output positions (B, K, Ho, Wo) in the dtype
        of ``image``.
    """
    _check_pair(scores, image)
    check_int('kernel_size', kernel_size)
    check_int('dilation', dilation)
    check_int('stride', stride)
    check_positive('eps', eps)
    pad = dilation * (kernel_size - 1) // 2
    size = conv_output_size(scores.shape[2:], kernel_size, dilation, stride,
                            pad)
    if min(size) < 1:
        raise ValueError(
            f'scores {tuple(scores.shape)} are smaller than the dilated '
            f'window (kernel_size={kernel_size}, dilation={dilation}): the '
            f'output would be {size}')
    dtypes = scores.dtype, image.dtype
    with no_autocast(scores.device):
        scores, image = to_float32('pac_refiner_layer', scores, image)
        out, centre = _layer(scores, image, kernel_size, dilation, stride,
                             size, eps)
    return out.to(dtypes[0]), centre.to(dtypes[1])


def _check_pair(scores, image):
    check_images(scores=scores, image=image)
    check_same_device(scores=scores, image=image)
    check_dims('image', image, (0, 2, 3),
               (scores.shape[0], ) + tuple(scores.shape[2:]),
               '(the batch size and (H, W) of scores)')


def _layer(scores, image, kernel_size, dilation, stride, size, eps):
    pad = dilation * (kernel_size - 1) // 2
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
        kernel_sizes (Sequence[int]): Per layer, >= 1. Defaults to PMP's (the
            paper lists 11 sizes for 12 layers; the last one is repeated).
        dilations (Sequence[int]): Per layer, >= 1.
        strides (Sequence[int]): Per layer, >= 1.
        upsample (bool): Resize the result back to the input size
            (bilinear). Defaults to True.
    """

    def __init__(self,
                 kernel_sizes: Sequence[int] = PMP_KERNEL_SIZES,
                 dilations: Sequence[int] = PMP_DILATIONS,
                 strides: Sequence[int] = PMP_STRIDES,
                 upsample: bool = True):
        super().__init__()
        kernel_sizes = check_ints('kernel_sizes', kernel_sizes)
        dilations = check_ints('dilations', dilations)
        strides = check_ints('strides', strides)
        if not len(kernel_sizes) == len(dilations) == len(strides):
            raise ValueError(
                f'kernel_sizes, dilations and strides must have one entry '
                f'per layer, got {len(kernel_sizes)}, {len(dilations)} and '
                f'{len(strides)} entries')
        self.layers = list(zip(kernel_sizes, dilations, strides))
        self.upsample = upsample

    def forward(self, scores: torch.Tensor, image: torch.Tensor):
        """Args:
            scores (Tensor): (B, C, H, W) class probabilities.
            image (Tensor): (B, 3, H', W') image in [0, 1], on the device of
                ``scores``; resized to the scores when the sizes differ.

        Returns:
            Tensor: (B, C, H, W) refined probabilities ((B, C, Ho, Wo) of the
            last layer without ``upsample``), the dtype of ``scores``.
            float16 / bfloat16 scores are computed in float32 (one warning).
        """
        check_images(scores=scores, image=image)
        check_same_device(scores=scores, image=image)
        check_dims('image', image, (0, ), (scores.shape[0], ),
                   '(the batch size of scores)')
        dtype = scores.dtype
        with no_autocast(scores.device):
            scores, image = to_float32('PACRefiner', scores, image)
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
        return x.to(dtype)
