import math

import pytest
import torch

from mmwsss.models.losses.multilabel_soft_margin_loss import (
    MultiLabelSoftMarginLoss, multilabel_soft_margin_loss)
from mmwsss.registry import MODELS


def test_matches_torch():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 20, generator=g) * 3
    targets = (torch.rand(4, 20, generator=g) < 0.3).float()
    expected = torch.nn.MultiLabelSoftMarginLoss()(logits, targets)
    loss = MultiLabelSoftMarginLoss()
    torch.testing.assert_close(loss(logits, targets), expected)
    torch.testing.assert_close(loss(logits, targets.long()), expected)
    torch.testing.assert_close(loss(logits, targets.bool()), expected)


def test_hand_worked_example():
    # p = (0, ln 3), y = (1, 0): sigmoid = (1/2, 3/4)
    # loss = -(log(1/2) + log(1/4)) / 2 = 1.5 log 2
    logits = torch.tensor([[0.0, math.log(3.0)]])
    targets = torch.tensor([[1.0, 0.0]])
    out = multilabel_soft_margin_loss(logits, targets)
    assert out.item() == pytest.approx(1.5 * math.log(2.0), rel=1e-6)


def test_large_logits_stable():
    logits = torch.tensor([[100.0, -100.0, 100.0, -100.0]],
                          requires_grad=True)
    targets = torch.tensor([[1, 0, 0, 1]])
    out = MultiLabelSoftMarginLoss()(logits, targets)
    assert torch.isfinite(out)
    # two correct (loss ~0), two wrong (loss ~100 each): mean 50
    assert out.item() == pytest.approx(50.0, rel=1e-5)
    out.backward()
    assert torch.isfinite(logits.grad).all()


def test_loss_weight_and_name():
    logits = torch.randn(2, 3)
    targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    base = MultiLabelSoftMarginLoss()(logits, targets)
    loss = MODELS.build(dict(type='MultiLabelSoftMarginLoss', loss_weight=0.5,
                             loss_name='loss_word'))
    torch.testing.assert_close(loss(logits, targets), 0.5 * base)
    assert loss.loss_name == 'loss_word'
    assert MultiLabelSoftMarginLoss().loss_name == 'loss_cls'


def test_errors():
    loss = MultiLabelSoftMarginLoss()
    with pytest.raises(ValueError, match='shape'):
        loss(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match='0, 1'):
        loss(torch.zeros(2, 3), torch.full((2, 3), 0.5))
    with pytest.raises(ValueError, match='0, 1'):
        loss(torch.zeros(1, 2), torch.tensor([[2, 0]]))
