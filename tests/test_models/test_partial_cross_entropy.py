import math

import torch

from mmwsss.models.losses import PartialCrossEntropyLoss, partial_cross_entropy


def naive(logits, target, weight=None, ignore=255):
    total, count = 0.0, 0
    n, c, h, w = logits.shape
    for b in range(n):
        for y in range(h):
            for x in range(w):
                t = int(target[b, y, x])
                if t == ignore:
                    continue
                z = logits[b, :, y, x].double()
                logp = z[t] - math.log(sum(math.exp(v) for v in z.tolist()))
                total += -(1.0 if weight is None else weight[t]) * float(logp)
                count += 1
    return total / max(count, 1)


def test_matches_naive_per_pixel_formula():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 3, 5, generator=g)
    target = torch.randint(0, 4, (2, 3, 5), generator=g)
    target[torch.rand(2, 3, 5, generator=g) < 0.6] = 255
    for weight in (None, [1.0, 2.0, 0.5, 3.0]):
        w = None if weight is None else torch.tensor(weight)
        got = partial_cross_entropy(logits, target, w)
        assert abs(float(got) - naive(logits, target, weight)) < 1e-5


def test_gradient_only_on_labelled_pixels_and_no_nan_when_empty():
    logits = torch.randn(1, 3, 4, 4, requires_grad=True)
    target = torch.full((1, 4, 4), 255)
    target[0, 1, 2] = 1
    partial_cross_entropy(logits, target).backward()
    grad = logits.grad.abs().sum(1)[0]
    assert grad[1, 2] > 0 and grad.sum() == grad[1, 2]
    logits.grad = None
    loss = PartialCrossEntropyLoss()(logits, torch.full((1, 4, 4), 255))
    loss.backward()
    assert float(loss) == 0.0 and not torch.isnan(logits.grad).any()


def test_module_weight_and_name():
    loss = PartialCrossEntropyLoss(loss_weight=0.4, loss_name='loss_x')
    logits = torch.randn(1, 2, 2, 2)
    target = torch.tensor([[[0, 1], [255, 1]]])
    assert loss.loss_name == 'loss_x'
    assert torch.allclose(loss(logits, target),
                          0.4 * partial_cross_entropy(logits, target))
