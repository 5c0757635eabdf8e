"""HFPL's binomial feature-similarity loss (FSL, eq. 9-13), windowed.

With the max-normalised CAMs ``r_c = ReLU(s_c) / max ReLU(s_c)`` (max
detached), the image at CAM resolution ``x`` in [0, 1] and the image labels
``y``:

    L_fs = -(1/(h w)) sum_i sum_j w_ij g(r_i, r_j) f(delta(x_i, x_j))

over ordered pairs of pixels i, j, averaged over the batch, where

- ``w_ij = exp(-|p_i - p_j|^2 / (2 sigma^2)) / (2 pi sigma^2)`` (positions in
  CAM pixels),
- ``g(r_i, r_j) = 1/2 sum_{c: y_c = 1} (r_ic - r_jc)^2`` (present classes
  only),
- ``delta = |x_i - x_j|_1 / 3`` clamped to [1e-6, 1 - 1e-6] and
  ``f = tanh(mu + log(delta / (1 - delta)))``.

``w`` and ``f`` are constants; the gradient flows only through ``g``.

:func:`feature_similarity_loss` sums the pairs of a square window of
half-width ``radius`` offset by offset, outside autograd, on the maps of the
P present (image, class) pairs only. Each offset ``(dy, dx)`` of a half-plane
stands for itself and its mirror ``(-dy, -dx)``, whose pair ``(j, i)`` has
the same term as ``(i, j)``. With shifted slices it accumulates
``acc_i = sum_j w_ij f_ij (r_i - r_j)`` over the partners j of every pixel i,
so it holds O(P h w) values at a time. Then the energy
``E = sum_{ordered pairs} w f g`` is ``r . acc`` and ``dE / dr = 2 acc``;
backward only scales this gradient. :func:`feature_similarity_loss_dense`
is the plain (h w) x (h w) formula.
"""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
from torch.autograd import Function

from mmwsss.registry import MODELS

# delta is clamped to [_DELTA_EPS, 1 - _DELTA_EPS] before its log-odds
_DELTA_EPS = 1e-6
# the detached per-map max of ReLU(s) is clamped at this value, so that a map
# without a positive score gives r = 0
_MAX_EPS = 1e-5


def _check_inputs(cams: torch.Tensor, images: torch.Tensor,
                  tags: torch.Tensor) -> None:
    if cams.dim() != 4:
        raise ValueError('cams must be a (B, C, h, w) tensor, got shape '
                         f'{tuple(cams.shape)}')
    B, C, h, w = cams.shape
    if images.shape != (B, 3, h, w):
        raise ValueError(f'images must have shape (B, 3, h, w) = '
                         f'{(B, 3, h, w)} to match the cams, got '
                         f'{tuple(images.shape)}')
    if tags.shape != (B, C):
        raise ValueError(f'tags shape {tuple(tags.shape)} does not match '
                         f'(B, C) = {(B, C)} of the cams')
    if not ((tags == 0) | (tags == 1)).all():
        raise ValueError('tags must be 0 or 1')


def _work_dtype(cams: torch.Tensor) -> torch.dtype:
    # half-precision CAMs (mixed precision) are upcast
    return torch.float64 if cams.dtype == torch.float64 else torch.float32


def _max_normalise(cams: torch.Tensor) -> torch.Tensor:
    """``ReLU(s) / max ReLU(s)`` per map, the max detached (HFPL eq. 4)."""
    pos = cams.relu()
    peak = pos.detach().amax(dim=(-2, -1), keepdim=True)
    return pos / peak.clamp(min=_MAX_EPS)


def _colour_gate(xi: torch.Tensor, xj: torch.Tensor,
                 mu: float) -> torch.Tensor:
    """``f(delta(x_i, x_j))`` of (B, 3, ...) colours, reduced over dim 1.

    With the odds ``t = delta / (1 - delta)``, ``tanh(mu + log t)`` equals
    ``1 - 2 / (1 + (e^mu t)^2)``, which needs arithmetic only: PyTorch's CPU
    log and tanh enter a parallel region even on tiny tensors, which stalls
    for milliseconds per call when the cores are busy.
    """
    delta = (xi - xj).abs_().mean(dim=1).clamp_(_DELTA_EPS, 1 - _DELTA_EPS)
    odds = delta.div_(1 - delta).mul_(math.exp(mu))
    return odds.square_().add_(1).reciprocal_().mul_(-2).add_(1)


def _half_plane_offsets(h: int, w: int,
                        radius: Optional[int]) -> List[Tuple[int, int]]:
    """The offsets (dy, dx) != 0 of the window with dy > 0, or dy == 0 and
    dx > 0, that keep at least one pair inside an h x w image."""
    ry = h - 1 if radius is None else min(radius, h - 1)
    rx = w - 1 if radius is None else min(radius, w - 1)
    return [(0, dx) for dx in range(1, rx + 1)] + [
        (dy, dx) for dy in range(1, ry + 1) for dx in range(-rx, rx + 1)]


def _pairwise_energy(r: torch.Tensor, images: torch.Tensor,
                     image_index: torch.Tensor, mu: float, sigma: float,
                     radius: Optional[int]
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """``E = sum_{ordered pairs in the window} w f g`` and ``dE / dr``.

    Args:
        r (Tensor): (P, h, w) normalised CAMs of the present classes.
        images (Tensor): (B, 3, h, w) images in [0, 1].
        image_index (Tensor): (P,) image of every map of ``r``.
        mu (float): Shift of the colour gate.
        sigma (float): Standard deviation of the spatial weight.
        radius (int, optional): Half-width of the window; None for all
            pairs.

    Returns:
        tuple[Tensor, Tensor]: The scalar E and its (P, h, w) gradient.
    """
    _, h, w = r.shape
    # acc_i = sum over the partners j of i of w_ij f_ij (r_i - r_j)
    acc = torch.zeros_like(r)
    for dy, dx in _half_plane_offsets(h, w, radius):
        # pixel i = (y, x) and its partner j = (y + dy, x + dx)
        x0, x1 = max(0, -dx), min(w, w - dx)
        src = (slice(None), slice(0, h - dy), slice(x0, x1))
        dst = (slice(None), slice(dy, h), slice(x0 + dx, x1 + dx))
        weight = math.exp(-(dy * dy + dx * dx) / (2 * sigma**2)) / (
            2 * math.pi * sigma**2)
        gate = _colour_gate(images[:, :, src[1], src[2]],
                            images[:, :, dst[1], dst[2]], mu)
        gate = gate.index_select(0, image_index)
        diff = r[src] - r[dst]
        acc[src].addcmul_(gate, diff, value=weight)
        acc[dst].addcmul_(gate, diff, value=-weight)
    # E = sum_{ordered pairs} w f (r_i - r_j)^2 / 2 = r . acc, dE/dr = 2 acc
    energy = torch.dot(r.reshape(-1), acc.reshape(-1))
    return energy, acc.mul_(2)


class _WithGradient(Function):
    """Return ``value`` (computed without autograd) with the gradient
    ``grad`` with respect to ``x`` (first order only)."""

    @staticmethod
    def forward(ctx, x, value, grad):
        ctx.save_for_backward(grad)
        return value.clone()

    @staticmethod
    def backward(ctx, grad_output):
        grad, = ctx.saved_tensors
        return grad_output * grad, None, None


def feature_similarity_loss(cams: torch.Tensor,
                            images: torch.Tensor,
                            tags: torch.Tensor,
                            mu: float = 2.5,
                            sigma: float = 5.0,
                            radius: Optional[int] = 15) -> torch.Tensor:
    """Binomial feature-similarity loss over a local window (HFPL eq. 13).

    Only the pairs whose offset lies in the square window
    ``|dy|, |dx| <= radius`` count (pairs with a partner outside the image
    are absent); ``radius=None`` takes all pairs and equals
    :func:`feature_similarity_loss_dense`. Memory is O(P h w) for P present
    (image, class) pairs, time O(P h w radius^2).

    How close a window comes to the full sum depends on the CAMs, since
    ``g`` grows with the distance while ``w`` decays. At 56 x 56 the default
    ``radius = 3 sigma`` (15) is within about 0.6% of the full sum for CAMs
    that vary on a scale of ~8 px (bilinearly upsampled 7 x 7 noise), but
    off by 1-2% for smoother CAMs (object-sized blobs of 8-16 px, upsampled
    3 x 3 or 4 x 4 noise); ``radius = 4 sigma`` (20) stays within 0.05% on
    all of these, at about 1.7 times the cost.

    Args:
        cams (Tensor): (B, C, h, w) class-score maps (CAM logits).
        images (Tensor): (B, 3, h, w) RGB images in [0, 1] at CAM
            resolution.
        tags (Tensor): (B, C) image-level labels in {0, 1}.
        mu (float): Shift of the colour gate f. Defaults to 2.5.
        sigma (float): Standard deviation (CAM pixels) of the spatial weight.
            Defaults to 5.0.
        radius (int, optional): Half-width of the window; None for all
            pairs. Defaults to 15.

    Returns:
        Tensor: The scalar loss, averaged over the batch.
    """
    _check_inputs(cams, images, tags)
    if radius is not None and (int(radius) != radius or radius < 0):
        raise ValueError(
            f'radius must be None or a non-negative integer, got {radius}')
    B, _, h, w = cams.shape
    dtype = _work_dtype(cams)
    image_index, class_index = tags.nonzero(as_tuple=True)
    r = _max_normalise(cams[image_index, class_index].to(dtype))
    with torch.no_grad():
        energy, grad = _pairwise_energy(
            r.detach(), images.detach().to(dtype), image_index, mu, sigma,
            None if radius is None else int(radius))
    return -_WithGradient.apply(r, energy, grad) / (B * h * w)


def feature_similarity_loss_dense(cams: torch.Tensor,
                                  images: torch.Tensor,
                                  tags: torch.Tensor,
                                  mu: float = 2.5,
                                  sigma: float = 5.0) -> torch.Tensor:
    """The binomial feature-similarity loss as the plain sum over all pairs.

    Builds the (B, h w, h w) tensors of ``w``, ``f`` and ``g`` (``g`` by
    expanding the square: ``|r_i|^2 + |r_j|^2 - 2 r_i . r_j`` over the
    present classes), so it needs O(B (h w)^2) memory: a reference for small
    inputs and benchmarks only. Use :func:`feature_similarity_loss`.

    Args:
        cams (Tensor): (B, C, h, w) class-score maps (CAM logits).
        images (Tensor): (B, 3, h, w) RGB images in [0, 1] at CAM
            resolution.
        tags (Tensor): (B, C) image-level labels in {0, 1}.
        mu (float): Shift of the colour gate f. Defaults to 2.5.
        sigma (float): Standard deviation (CAM pixels) of the spatial weight.
            Defaults to 5.0.

    Returns:
        Tensor: The scalar loss, averaged over the batch.
    """
    _check_inputs(cams, images, tags)
    B, _, h, w = cams.shape
    dtype = _work_dtype(cams)
    r = _max_normalise(cams.to(dtype)) * tags.to(dtype)[:, :, None, None]
    r = r.flatten(2).transpose(1, 2)  # (B, hw, C), absent classes 0
    sq = (r * r).sum(dim=2)
    g = 0.5 * (sq[:, :, None] + sq[:, None, :] - 2 * r @ r.transpose(1, 2))
    with torch.no_grad():
        x = images.to(dtype).flatten(2).transpose(1, 2)  # (B, hw, 3)
        delta = (torch.cdist(x, x, p=1) / 3).clamp_(_DELTA_EPS,
                                                    1 - _DELTA_EPS)
        f = torch.tanh(mu + torch.log(delta / (1 - delta)))
        yy, xx = torch.meshgrid(
            torch.arange(h, dtype=dtype, device=cams.device),
            torch.arange(w, dtype=dtype, device=cams.device), indexing='ij')
        pos = torch.stack([yy.flatten(), xx.flatten()], dim=1)
        dist2 = ((pos[:, None] - pos[None]) ** 2).sum(dim=2)
        weight = torch.exp(-dist2 / (2 * sigma**2)) / (2 * math.pi * sigma**2)
        wf = weight * f
    return -(wf * g).sum() / (B * h * w)


@MODELS.register_module()
class FeatureSimilarityLoss(nn.Module):
    """Binomial feature-similarity loss of HFPL over a local window.

    See :func:`feature_similarity_loss`.

    Args:
        mu (float): Shift of the colour gate. Defaults to 2.5.
        sigma (float): Standard deviation (CAM pixels) of the spatial weight.
            Defaults to 5.0.
        radius (int, optional): Half-width of the square window of pairs;
            None for all pairs. Defaults to 15 (3 sigma); see
            :func:`feature_similarity_loss` for its accuracy.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the log. Defaults to
            ``'loss_fsl'``.
    """

    def __init__(self,
                 mu: float = 2.5,
                 sigma: float = 5.0,
                 radius: Optional[int] = 15,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_fsl'):
        super().__init__()
        self.mu = mu
        self.sigma = sigma
        self.radius = radius
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, cams: torch.Tensor, images: torch.Tensor,
                tags: torch.Tensor) -> torch.Tensor:
        """Compute the weighted loss.

        Args:
            cams (Tensor): (B, C, h, w) CAM logits.
            images (Tensor): (B, 3, h, w) RGB images in [0, 1] at CAM
                resolution.
            tags (Tensor): (B, C) image-level labels in {0, 1}.

        Returns:
            Tensor: The scalar loss times ``loss_weight``.
        """
        return self.loss_weight * feature_similarity_loss(
            cams, images, tags, self.mu, self.sigma, self.radius)

    @property
    def loss_name(self):
        return self._loss_name
