"""HFPL's multi-sample binomial importance-sampling loss (ISL, eq. 15, 18).

For every image, class c and sample n = 1..N one pixel ``k`` is drawn from
``p_c(k) = b_c(k) / sum_m b_c(m)`` with ``b_c = sigmoid(s_c)`` (with
replacement, independently per image, class and sample, on detached values),
and the sampled posterior ``b_c(k)`` is scored against the image label:

    L_is^N = -(1/N) sum_n (1/C) sum_c [y_c log b_c(k_n)
                                       + (1 - y_c) log(1 - b_c(k_n))]

averaged over the batch. The draw is not differentiable; the gradient flows
only through the sampled values.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwsss.registry import MODELS


def _check_inputs(cams: torch.Tensor, tags: torch.Tensor) -> None:
    if cams.dim() != 4:
        raise ValueError('cams must be a (B, C, h, w) tensor, got shape '
                         f'{tuple(cams.shape)}')
    if tags.shape != cams.shape[:2]:
        raise ValueError(f'tags shape {tuple(tags.shape)} does not match '
                         f'(B, C) = {tuple(cams.shape[:2])} of the cams')
    if not ((tags == 0) | (tags == 1)).all():
        raise ValueError('tags must be 0 or 1')


def binomial_is_loss(cams: torch.Tensor,
                     tags: torch.Tensor,
                     num_samples: int = 10,
                     generator: Optional[torch.Generator] = None
                     ) -> torch.Tensor:
    """Multi-sample binomial importance-sampling loss (HFPL eq. 18).

    The N draws of all images and classes come from one
    ``torch.multinomial`` call on the detached (B * C, h * w) sampling
    probabilities. These are computed as ``softmax(log sigmoid(s))``, which
    equals ``b / sum b`` and stays a valid distribution even where every
    ``b`` underflows. The binary cross-entropy of the gathered logits is
    computed stably with ``binary_cross_entropy_with_logits``.

    Args:
        cams (Tensor): (B, C, h, w) class-score maps (CAM logits).
        tags (Tensor): (B, C) image-level labels in {0, 1}.
        num_samples (int): Number of samples N per image and class.
            Defaults to 10.
        generator (torch.Generator, optional): Random generator of the draw.
            Defaults to the global one.

    Returns:
        Tensor: The scalar loss, averaged over samples, classes and images.
    """
    _check_inputs(cams, tags)
    if int(num_samples) != num_samples or num_samples < 1:
        raise ValueError(
            f'num_samples must be a positive integer, got {num_samples}')
    logits = cams.flatten(2).flatten(0, 1)  # (B * C, h * w)
    with torch.no_grad():
        probs = F.logsigmoid(logits.detach().float()).softmax(dim=1)
        index = torch.multinomial(
            probs, int(num_samples), replacement=True, generator=generator)
    sampled = logits.gather(1, index)  # (B * C, N)
    target = tags.reshape(-1, 1).to(sampled.dtype).expand_as(sampled)
    return F.binary_cross_entropy_with_logits(sampled, target)


@MODELS.register_module()
class BinomialISLoss(nn.Module):
    """Multi-sample binomial importance-sampling loss of HFPL.

    See :func:`binomial_is_loss`. HFPL mixes it with the GAP BCE as
    ``(1 - lambda) L_ce + lambda L_is`` (lambda = 0.2, N = 10); set
    ``loss_weight`` to lambda.

    Args:
        num_samples (int): Number of samples N per image and class.
            Defaults to 10.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the log. Defaults to
            ``'loss_isl'``.
    """

    def __init__(self,
                 num_samples: int = 10,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_isl'):
        super().__init__()
        self.num_samples = num_samples
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, cams: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """Compute the weighted loss.

        Args:
            cams (Tensor): (B, C, h, w) CAM logits.
            tags (Tensor): (B, C) image-level labels in {0, 1}.

        Returns:
            Tensor: The scalar loss times ``loss_weight``.
        """
        return self.loss_weight * binomial_is_loss(cams, tags,
                                                   self.num_samples)

    @property
    def loss_name(self):
        return self._loss_name
