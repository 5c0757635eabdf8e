"""The PAC refiner of PMP (Akiva & Dana, "Towards single stage weakly
supervised semantic segmentation", sections 3.1 and 4.1).

A stack of pixel-adaptive convolutions (:func:`mmwsss.ops.pac`) without learned
weights that refines the softmax class scores ``x^(0)`` of the network with the
image ``X`` in [0, 1] as guide. PMP uses it to make a constant target (under
``torch.no_grad``); the module has no parameters.

**The literal kernel.** The paper writes layer ``l`` as
``x^(l)(i) = sum_j k_ij x^(l-1)(j)`` over the window of output pixel ``i``,
with

    k_ij = -(|X_i - X_j| / sigma_i) * mu_i

where ``sigma_i`` is the standard deviation of ``X`` over the window and
``mu_i`` the mean of ``x^(l-1)`` over the window (per class). Read literally
this kernel is negative, zero at the centre tap and unnormalised: it would give
negative "probabilities" and grow or shrink the scores by a factor that depends
on the window contrast, against the stated intent (damp activations that are
not locally consistent, i.e. windows over an edge or isolated activations).

**Our reading** (``method_specs.md`` 4.2 and 4.7.5). As in PAMR (Araslanov &
Roth), which the paper says it follows, the colour term is an affinity turned
into weights by a softmax over the window's taps:

    a_ij = -mean_rgb|X_i - X_j| / (sigma_i + eps),   omega_ij = softmax_j a_ij

    x^(l)_c(i) = mu_c(i) * sum_j omega_ij x^(l-1)_c(j)   (the mean gain)

then renormalised over the classes (``sum_c x^(l)_c(i) = 1``). ``sigma_i`` is
the unbiased standard deviation of each colour channel over the window,
averaged over the channels. A layer thus averages the scores of the window with
weights that favour taps of the centre's colour, sharply in a flat window and
softly across an edge (a large ``sigma``). The mean gain ``mu_c`` then
amplifies the classes that are strong around a pixel relative to the others
(isolated activations are damped); without the renormalisation twelve
products of means in [0, 1] would underflow. Since repeated gains sharpen the
scores (which interacts with PMP's 0.75 threshold), the gain is a switch of
:class:`PACRefiner`: every layer, the last layer only, or off. Without the gain
a layer is a plain convex combination, ``out_c = sum_j omega_ij x_c(j)``, which
keeps sums over classes (not renormalised).

**Borders.** :func:`mmwsss.ops.pac` pads with zeros. A tap that falls outside
the image gets weight zero: the colour affinities are computed from
replicate-padded guide taps, the outside taps are masked out before the
softmax (so ``omega`` is renormalised over the in-image taps), and ``sigma``
and ``mu`` are the standard deviation and mean over the in-image taps only.
A border pixel thus sees a smaller window, not copies of the border (which
would over-weight it) nor zeros (which would shrink ``mu`` at the borders).
Kernel sizes are odd, so the centre tap is always in the image.

**Layers.** Kernel sizes (7, 7, 5, 5, 3, 3, 3, 3, 3, 3, 3, 3), dilations
(1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32) and strides
(2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1) (Sec. 4.1). The paper lists 11 kernel
sizes for 12 layers; we read 7, 7, 5, 5 and eight 3s (the last size repeated).
A layer with stride ``s`` keeps the output positions ``(y * s, x * s)`` and the
guide is subsampled with the scores, so the four stride-2 layers end at 1/16
of the input resolution; :class:`PACRefiner` resizes the result back to the
input size (bilinear) unless ``upsample=False``.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwsss.ops import pac
from mmwsss.ops.checks import (check_dims, check_images, check_int,
                               check_ints, check_positive, check_same_device,
                               no_autocast, to_float32)
from mmwsss.ops.local_weighted_sum import conv_output_size
from mmwsss.registry import MODELS

PMP_KERNEL_SIZES = (7, 7, 5, 5, 3, 3, 3, 3, 3, 3, 3, 3)
PMP_DILATIONS = (1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32)
PMP_STRIDES = (2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1)
MEAN_GAIN_MODES = ('every', 'last', 'none')


def pac_refiner_layer(scores: torch.Tensor, image: torch.Tensor,
                      kernel_size: int, dilation: int = 1, stride: int = 1,
                      eps: float = 1e-6, mean_gain: bool = True):
    """One refiner layer (see the module docstring for the kernel).

    float16 / bfloat16 inputs are computed in float32 (one warning) and the
    results cast back; autocast is disabled inside.

    Args:
        scores (Tensor): (B, C, H, W) class scores (e.g. softmax output).
        image (Tensor): (B, K, H, W) guide in [0, 1] (K = 3 for RGB), same
            batch size, size and device.
        kernel_size (int): Window size k >= 1, odd (the window is centred on
            the output pixel).
        dilation (int): Window dilation >= 1. Defaults to 1.
        stride (int): Output stride >= 1. Defaults to 1.
        eps (float): > 0, added to the window's standard deviation and to the
            class sum. Defaults to 1e-6.
        mean_gain (bool): Multiply by the window mean of the scores and
            renormalise over the classes. Defaults to True.

    Returns:
        tuple: refined scores (B, C, Ho, Wo) in the dtype of ``scores`` and
        the guide sampled at the output positions (B, K, Ho, Wo) in the dtype
        of ``image``, ``Ho = (H - 1) // stride + 1``.
    """
    _check_pair(scores, image)
    check_int('kernel_size', kernel_size)
    if kernel_size % 2 == 0:
        raise ValueError(f'kernel_size must be odd (the window is centred on '
                         f'the output pixel), got {kernel_size}')
    check_int('dilation', dilation)
    check_int('stride', stride)
    check_positive('eps', eps)
    if not isinstance(mean_gain, bool):
        raise TypeError(f'mean_gain must be a bool, got {mean_gain!r}')
    # odd k, 'same' padding: never empty, (H - 1) // stride + 1
    size = conv_output_size(scores.shape[2:], kernel_size, dilation, stride,
                            dilation * (kernel_size - 1) // 2)
    dtypes = scores.dtype, image.dtype
    with no_autocast(scores.device):
        scores, image = to_float32('pac_refiner_layer', scores, image)
        out, centre = _layer(scores, image, kernel_size, dilation, stride,
                             size, eps, mean_gain)
    return out.to(dtypes[0]), centre.to(dtypes[1])


def _check_pair(scores, image):
    check_images(scores=scores, image=image)
    check_same_device(scores=scores, image=image)
    check_dims('image', image, (0, 2, 3),
               (scores.shape[0], ) + tuple(scores.shape[2:]),
               '(the batch size and (H, W) of scores)')


def _tap_inside(length: int, out_length: int, kernel_size: int,
                dilation: int, stride: int, pad: int, device) -> torch.Tensor:
    """(kernel_size, out_length) bool: whether tap i of output position y
    lies in ``[0, length)`` (one axis)."""
    pos = (torch.arange(out_length, device=device)[None] * stride +
           torch.arange(kernel_size, device=device)[:, None] * dilation -
           pad)
    return (pos >= 0) & (pos < length)


def _layer(scores, image, kernel_size, dilation, stride, size, eps,
           mean_gain):
    B, K, H, W = image.shape
    k, d, s = kernel_size, dilation, stride
    h, w = size
    T = k * k
    pad = d * (k - 1) // 2
    # taps in the image, (T, h, w), from one mask per axis
    rows = _tap_inside(H, h, k, d, s, pad, image.device)
    cols = _tap_inside(W, w, k, d, s, pad, image.device)
    inside = (rows[:, None, :, None] & cols[None, :, None, :]).view(T, h, w)
    count = inside.sum(0).to(image.dtype)  # (h, w), >= 1: the centre
    # Colour statistics of the in-image taps: sums of X and X^2 by a
    # depthwise box filter with zero padding, in float64 so that the
    # one-pass variance (unbiased) keeps float32's accuracy.
    box = image.new_ones(K, 1, k, k, dtype=torch.float64)
    x64 = image.double()
    s1 = F.conv2d(x64, box, stride=s, padding=pad, dilation=d, groups=K)
    s2 = F.conv2d(x64 * x64, box, stride=s, padding=pad, dilation=d,
                  groups=K)
    n = count.double()
    var = (s2 - s1 * s1 / n).clamp_(min=0) / (n - 1).clamp(min=1)
    sigma = var.sqrt_().mean(1, keepdim=True).to(image.dtype)
    # |X_i - X_j| on a strided view of the replicate-padded guide,
    # taps[b, c, i, j, y, x] = padded[b, c, i d + y s, j d + x s] (no copy;
    # taps outside the image are masked below)
    padded = F.pad(image, (pad, pad, pad, pad), mode='replicate')
    sb, sc, sy, sx = padded.stride()
    taps = padded.as_strided((B, K, k, k, h, w),
                             (sb, sc, d * sy, d * sx, s * sy, s * sx))
    centre = image[:, :, ::s, ::s][:, :, :h, :w]
    diff = (taps[:, 0] - centre[:, 0, None, None]).abs_()
    for c in range(1, K):  # the colour channels
        diff += (taps[:, c] - centre[:, c, None, None]).abs_()
    diff = diff.div_(K).reshape(B, T, h, w)
    affinity = (-diff / (sigma + eps)).masked_fill_(~inside, float('-inf'))
    kernel = affinity.softmax(1).to(scores.dtype)
    out = pac(scores, kernel, kernel_size, dilation, stride, pad)
    if not mean_gain:
        return out, centre
    # window mean over the in-image taps: a depthwise box filter (zero
    # padding) divided by the count of in-image taps
    C = scores.shape[1]
    box = scores.new_ones(C, 1, k, k)
    window_sum = F.conv2d(scores, box, stride=s, padding=pad, dilation=d,
                          groups=C)
    out = out * (window_sum / count.to(scores.dtype))
    return out / out.sum(1, keepdim=True).clamp(min=eps), centre


@MODELS.register_module()
class PACRefiner(nn.Module):
    """PMP's PAC refinement network (no learned weights).

    ``len(kernel_sizes)`` layers of :func:`pac_refiner_layer`; the guide is
    the image resized to the scores and subsampled with them at each strided
    layer. The defaults are PMP's 12 layers.

    Args:
        kernel_sizes (Sequence[int]): Per layer, odd, >= 1. Defaults to
            ``PMP_KERNEL_SIZES`` (the paper lists 11 sizes for 12 layers;
            the last one is repeated).
        dilations (Sequence[int]): Per layer, >= 1. Defaults to
            ``PMP_DILATIONS``.
        strides (Sequence[int]): Per layer, >= 1. Defaults to
            ``PMP_STRIDES`` (four stride-2 layers: 1/16 resolution).
        mean_gain (str): Where the window-mean gain (and the renormalisation
            over classes) applies: ``'every'`` layer, the ``'last'`` layer
            only, or ``'none'``. Defaults to ``'every'``.
        upsample (bool): Resize the result back to the input size
            (bilinear). Defaults to True.
        eps (float): > 0, added to the window's colour standard deviation
            and to the class sum. Defaults to 1e-6.
    """

    def __init__(self,
                 kernel_sizes: Sequence[int] = PMP_KERNEL_SIZES,
                 dilations: Sequence[int] = PMP_DILATIONS,
                 strides: Sequence[int] = PMP_STRIDES,
                 mean_gain: str = 'every',
                 upsample: bool = True,
                 eps: float = 1e-6):
        super().__init__()
        kernel_sizes = check_ints('kernel_sizes', kernel_sizes)
        dilations = check_ints('dilations', dilations)
        strides = check_ints('strides', strides)
        if not len(kernel_sizes) == len(dilations) == len(strides):
            raise ValueError(
                f'kernel_sizes, dilations and strides must have one entry '
                f'per layer, got {len(kernel_sizes)}, {len(dilations)} and '
                f'{len(strides)} entries')
        for i, k in enumerate(kernel_sizes):
            if k % 2 == 0:
                raise ValueError(f'kernel_sizes[{i}] must be odd (the window '
                                 f'is centred on the output pixel), got {k}')
        if mean_gain not in MEAN_GAIN_MODES:
            raise ValueError(f'mean_gain must be one of {MEAN_GAIN_MODES}, '
                             f'got {mean_gain!r}')
        check_positive('eps', eps)
        self.layers = list(zip(kernel_sizes, dilations, strides))
        self.mean_gain = mean_gain
        self.upsample = upsample
        self.eps = eps

    def extra_repr(self) -> str:
        return (f'layers={self.layers}, mean_gain={self.mean_gain!r}, '
                f'upsample={self.upsample}, eps={self.eps}')

    def _gains(self):
        n = len(self.layers)
        if self.mean_gain == 'every':
            return [True] * n
        if self.mean_gain == 'last':
            return [False] * (n - 1) + [True]
        return [False] * n

    def forward(self, scores: torch.Tensor, image: torch.Tensor):
        """Refine class probabilities.

        Differentiable, without parameters; PMP calls it under
        ``torch.no_grad``.

        Args:
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
            for (k, d, s), gain in zip(self.layers, self._gains()):
                x, guide = pac_refiner_layer(x, guide, k, d, s, self.eps,
                                             gain)
            if self.upsample and x.shape[2:] != size:
                x = F.interpolate(x, size=size, mode='bilinear',
                                  align_corners=False)
        return x.to(dtype)
