"""Hybrid Spatial Pyramid Pooling (HSPP) of VWE (Ru et al., IJCAI'21)."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwsss.registry import MODELS


@MODELS.register_module()
class HybridSpatialPyramidPooling(nn.Module):
    """Hybrid spatial pyramid pooling: pyramid max pooling blended with GAP.

    For every level ``r`` the map is max-pooled over an ``r x r`` grid of
    bins (:func:`torch.nn.functional.adaptive_max_pool2d`, so for a size
    ``h`` not divisible by ``r`` bin ``i`` spans rows
    ``floor(i * h / r) .. ceil((i + 1) * h / r)``, neighbouring bins may
    overlap) and the ``r^2`` bin maxima are averaged (Eq. 5); ``r = 1`` is
    global max pooling. The result (Eq. 7) is

    ``(sum_r f^max_r + gamma * f^gap) / (gamma + len(levels))``,

    with ``f^gap`` the global average (Eq. 6).

    Args:
        levels (Sequence[int]): Pyramid grid sizes ``r``. Defaults to
            ``(1, 2, 4)``.
        gamma (float): Weight of global average pooling. Defaults to 2.0.
    """

    def __init__(self, levels: Sequence[int] = (1, 2, 4),
                 gamma: float = 2.0):
        super().__init__()
        levels = tuple(levels)
        if not levels or any(
                isinstance(r, bool) or not isinstance(r, int) or r < 1
                for r in levels):
            raise ValueError('levels must be a non-empty sequence of '
                             f'positive ints, got {levels}')
        if not gamma >= 0:
            raise ValueError(f'gamma must be >= 0, got {gamma}')
        self.levels = levels
        self.gamma = float(gamma)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool a feature map.

        Args:
            x (Tensor): (B, D, h, w) feature map.

        Returns:
            Tensor: (B, D) pooled features.
        """
        if x.dim() != 4:
            raise ValueError('HybridSpatialPyramidPooling expects a 4-D '
                             f'(B, D, h, w) input, got shape '
                             f'{tuple(x.shape)}')
        if x.shape[2] == 0 or x.shape[3] == 0:
            raise ValueError('HybridSpatialPyramidPooling got an empty '
                             f'spatial size {tuple(x.shape[2:])}')
        total = self.gamma * x.mean(dim=(2, 3))
        for r in self.levels:
            total = total + F.adaptive_max_pool2d(x, r).mean(dim=(2, 3))
        return total / (self.gamma + len(self.levels))

    def extra_repr(self) -> str:
        return f'levels={self.levels}, gamma={self.gamma}'
