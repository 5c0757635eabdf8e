"""PAMR: pixel-adaptive mask refinement (Araslanov & Roth, 2020)."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checks import (check_dims, check_images, check_int, check_ints,
                     check_positive, check_same_device, no_autocast,
                     to_float32)
from .local_weighted_sum import (gather_taps, local_weighted_sum,
                                 neighbour_offsets)


def _window_offsets(dilations):
    # the full 3x3 window (centre included) at every dilation: std support
    return torch.tensor([(dy * d, dx * d) for d in dilations
                         for dy in (-1, 0, 1) for dx in (-1, 0, 1)],
                        dtype=torch.int32)


def _shifted(padded, pad, dy, dx, H, W):
    return padded[:, :, pad + dy:pad + dy + H, pad + dx:pad + dx + W]


def pamr_affinity(image: torch.Tensor,
                  dilations: Sequence[int] = (1, 2, 4, 8, 12, 24),
                  eps: float = 1e-8) -> torch.Tensor:
    """PAMR's affinities to the 8 neighbours at each dilation.

    ``a_ij = softmax_j(mean_k(-|I_ik - I_jk| / (eps + 0.1 * sigma_ik)))`` with
    ``sigma_ik`` the (unbiased) standard deviation of channel k over the 3x3
    windows of all dilations around i, replicate padding. Computed tap by tap
    in O(B * K * H * W) memory besides the (B, T, H, W) result.

    float16 / bfloat16 images are computed in float32 (one warning) and the
    result cast back; autocast is disabled inside.

    Args:
        image (Tensor): (B, K, H, W), floating.
        dilations (Sequence[int]): Dilations (>= 1) of the 3x3
            neighbourhoods.
        eps (float): > 0, added to the scaled standard deviation.

    Returns:
        Tensor: (B, 8 * len(dilations), H, W), summing to 1 over dim 1, the
        dtype of ``image``.
    """
    check_images(image=image)
    dilations = check_ints('dilations', dilations)
    check_positive('eps', eps)
    dtype = image.dtype
    with no_autocast(image.device):
        image, = to_float32('pamr_affinity', image)
        return _affinity(image, dilations, eps).to(dtype)


def _affinity(image, dilations, eps):
    B, K, H, W = image.shape
    pad = max(dilations)
    padded = F.pad(image, [pad] * 4, mode='replicate')
    window = _window_offsets(dilations).tolist()
    mean = sum(_shifted(padded, pad, dy, dx, H, W) for dy, dx in window)
    mean = mean / len(window)
    var = sum((_shifted(padded, pad, dy, dx, H, W) - mean)**2
              for dy, dx in window) / (len(window) - 1)
    scale = 1.0 / (eps + 0.1 * var.sqrt())
    logits = torch.stack([
        -((image - _shifted(padded, pad, dy, dx, H, W)).abs() * scale).mean(1)
        for dy, dx in neighbour_offsets(dilations).tolist()
    ], 1)
    return logits.softmax(1)


def pamr(image: torch.Tensor,
         masks: torch.Tensor,
         dilations: Sequence[int] = (1, 2, 4, 8, 12, 24),
         num_iters: int = 10) -> torch.Tensor:
    """Refine masks by repeated affinity-weighted averaging over neighbours.

    The image is computed in the dtype of ``masks``; float16 / bfloat16
    masks are computed in float32 (one warning) and the result cast back;
    autocast is disabled inside.

    Args:
        image (Tensor): (B, 3, H, W) in [0, 1], floating.
        masks (Tensor): (B, C, H, W) class scores or probabilities, on the
            device of ``image``.
        dilations (Sequence[int]): Neighbourhood dilations, >= 1.
        num_iters (int): Refinement steps, >= 0. Defaults to 10.

    Returns:
        Tensor: (B, C, H, W) refined masks, the dtype of ``masks``.
    """
    dilations = _check_pamr(image, masks, dilations, num_iters)
    dtype = masks.dtype
    with no_autocast(masks.device):
        masks, = to_float32('pamr', masks)
        aff = _affinity(image.to(masks.dtype), dilations, 1e-8)
        offsets = neighbour_offsets(dilations)
        for _ in range(num_iters):
            masks = local_weighted_sum(masks, aff, offsets, 1, 'replicate')
    return masks.to(dtype)


def _check_pamr(image, masks, dilations, num_iters):
    check_images(image=image, masks=masks)
    check_same_device(image=image, masks=masks)
    check_dims('masks', masks, (0, 2, 3),
               (image.shape[0], ) + tuple(image.shape[2:]),
               '(the batch size and (H, W) of image)')
    check_int('num_iters', num_iters, minimum=0)
    return check_ints('dilations', dilations)


def pamr_reference(image: torch.Tensor,
                   masks: torch.Tensor,
                   dilations: Sequence[int] = (1, 2, 4, 8, 12, 24),
                   num_iters: int = 10) -> torch.Tensor:
    """The straightforward PAMR: unfold image and masks into (B, K|C, T, H, W)."""
    dilations = _check_pamr(image, masks, dilations, num_iters)
    image = image.to(masks.dtype)
    size = image.shape[2:]
    x_std = gather_taps(image, _window_offsets(dilations), size, 1,
                        'replicate').std(2, keepdim=True)
    offsets = neighbour_offsets(dilations)
    diff = (image.unsqueeze(2) -
            gather_taps(image, offsets, size, 1, 'replicate')).abs()
    aff = (-diff / (1e-8 + 0.1 * x_std)).mean(1, keepdim=True).softmax(2)
    for _ in range(num_iters):
        masks = (gather_taps(masks, offsets, size, 1, 'replicate') *
                 aff).sum(2)
    return masks


class PAMR(nn.Module):
    """Module form of :func:`pamr`.

    Args:
        num_iters (int): Refinement steps, >= 0. Defaults to 10.
        dilations (Sequence[int]): Neighbourhood dilations, >= 1.
    """

    def __init__(self, num_iters: int = 10,
                 dilations: Sequence[int] = (1, 2, 4, 8, 12, 24)):
        super().__init__()
        self.num_iters = check_int('num_iters', num_iters, minimum=0)
        self.dilations = check_ints('dilations', dilations)

    def forward(self, image, masks):
        return pamr(image, masks, self.dilations, self.num_iters)
