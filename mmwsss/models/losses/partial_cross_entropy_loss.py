from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwsss.registry import MODELS


def partial_cross_entropy(logits: torch.Tensor,
                          target: torch.Tensor,
                          class_weight: Optional[torch.Tensor] = None,
                          ignore_index: int = 255) -> torch.Tensor:
    """Cross-entropy averaged over the labelled pixels only.

    ``loss = sum_{i labelled} w_{y_i} * (-log softmax(logits_i)[y_i]) / #labelled``.
    An image batch without any labelled pixel gives 0 (with a gradient of 0),
    not NaN.

    Args:
        logits (Tensor): (N, C, H, W) class scores.
        target (Tensor): (N, H, W) labels, ``ignore_index`` where unlabelled.
        class_weight (Tensor, optional): (C,) per-class weights.
        ignore_index (int): The unlabelled value. Defaults to 255.

    Returns:
        Tensor: The scalar loss.
    """
    if target.shape != logits.shape[:1] + logits.shape[2:]:
        raise ValueError(f'target shape {tuple(target.shape)} does not match '
                         f'logits shape {tuple(logits.shape)}')
    total = F.cross_entropy(
        logits, target.long(), weight=class_weight,
        ignore_index=ignore_index, reduction='sum')
    count = (target != ignore_index).sum().clamp(min=1)
    return total / count


@MODELS.register_module()
class PartialCrossEntropyLoss(nn.Module):
    """Partial cross-entropy: the loss on labelled pixels of a weak label map.

    A drop-in ``loss_decode`` of any mmseg decode head.

    Args:
        class_weight (Sequence[float], optional): Per-class weights.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the log. Defaults to
            ``'loss_pce'``.
    """

    def __init__(self,
                 class_weight: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_pce'):
        super().__init__()
        self.class_weight = class_weight
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, cls_score, label, weight=None, ignore_index=255,
                **kwargs):
        """Args:
            cls_score (Tensor): (N, C, H, W) logits.
            label (Tensor): (N, H, W) weak labels.
            weight: Unused; mmseg passes a per-pixel weight of None.
            ignore_index (int): Unlabelled value. Defaults to 255.
        """
        class_weight = None
        if self.class_weight is not None:
            class_weight = cls_score.new_tensor(self.class_weight)
        return self.loss_weight * partial_cross_entropy(
            cls_score, label, class_weight, ignore_index)

    @property
    def loss_name(self):
        return self._loss_name
