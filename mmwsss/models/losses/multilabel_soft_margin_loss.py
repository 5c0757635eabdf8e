"""Multi-label soft-margin loss for image-level classification."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwsss.registry import MODELS


def multilabel_soft_margin_loss(logits: torch.Tensor,
                                targets: torch.Tensor) -> torch.Tensor:
    """Multi-label soft-margin loss.

    The same as :class:`torch.nn.MultiLabelSoftMarginLoss`:

    ``loss = -(1/L) sum_i [y_i log sigmoid(p_i)
    + (1 - y_i) log(1 - sigmoid(p_i))]``, averaged over the batch, computed
    with :func:`torch.nn.functional.binary_cross_entropy_with_logits` so that
    large logits stay finite.

    Args:
        logits (Tensor): (B, L) scores.
        targets (Tensor): (B, L) labels in {0, 1} (float, integer or bool).

    Returns:
        Tensor: The scalar loss.
    """
    if logits.dim() != 2:
        raise ValueError('logits must be 2-D (B, L), got shape '
                         f'{tuple(logits.shape)}')
    if targets.shape != logits.shape:
        raise ValueError(f'targets shape {tuple(targets.shape)} does not '
                         f'match logits shape {tuple(logits.shape)}')
    if targets.dtype != torch.bool and bool(
            ((targets != 0) & (targets != 1)).any()):
        raise ValueError('targets must take values in {0, 1}')
    loss = F.binary_cross_entropy_with_logits(
        logits, targets.to(logits.dtype), reduction='none')
    return loss.mean(dim=1).mean()


@MODELS.register_module()
class MultiLabelSoftMarginLoss(nn.Module):
    """Multi-label soft-margin loss on image-level labels (VWE's ``L_cls``).

    ``loss_weight * multilabel_soft_margin_loss(logits, targets)``; equal to
    :class:`torch.nn.MultiLabelSoftMarginLoss` for ``loss_weight = 1``.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the log. Defaults to
            ``'loss_cls'``.
    """

    def __init__(self, loss_weight: float = 1.0,
                 loss_name: str = 'loss_cls'):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, logits: torch.Tensor,
                targets: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): (B, L) scores.
            targets (Tensor): (B, L) labels in {0, 1} (float, integer or
                bool).

        Returns:
            Tensor: The scalar weighted loss.
        """
        return self.loss_weight * multilabel_soft_margin_loss(logits, targets)

    @property
    def loss_name(self):
        return self._loss_name
