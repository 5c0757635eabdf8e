import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from mmwsss.models.losses.feature_similarity_loss import (
    FeatureSimilarityLoss, feature_similarity_loss,
    feature_similarity_loss_dense)
from mmwsss.registry import MODELS


def naive(cams, images, tags, mu=2.5, sigma=5.0, radius=None):
    """HFPL eq. 13 pair by pair (torch scalars, so autograd works)."""
    B, C, h, w = cams.shape
    pixels = list(itertools.product(range(h), range(w)))
    total = 0
    for b in range(B):
        r = []
        for c in range(C):
            peak = max(float(cams[b, c].detach().max()), 0.0, 1e-5)
            r.append(cams[b, c].relu() / peak)
        s = 0
        for (y1, x1), (y2, x2) in itertools.product(pixels, pixels):
            if radius is not None and (abs(y1 - y2) > radius
                                       or abs(x1 - x2) > radius):
                continue
            g = 0.5 * sum((r[c][y1, x1] - r[c][y2, x2])**2
                          for c in range(C) if tags[b][c] == 1)
            delta = sum(abs(float(images[b, k, y1, x1] - images[b, k, y2, x2]))
                        for k in range(3)) / 3
            delta = min(max(delta, 1e-6), 1 - 1e-6)
            f = math.tanh(mu + math.log(delta / (1 - delta)))
            weight = math.exp(-((y1 - y2)**2 + (x1 - x2)**2) /
                              (2 * sigma**2)) / (2 * math.pi * sigma**2)
            s = s + weight * g * f
        total = total - s / (h * w)
    return total / B


def random_inputs(shape, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    B, _, h, w = shape
    cams = torch.randn(shape, generator=g, dtype=dtype)
    images = torch.rand(B, 3, h, w, generator=g, dtype=dtype)
    return cams, images


def smooth_inputs(shape, seed, cam_res):
    """CAMs and images as bilinearly upsampled low-resolution noise."""
    g = torch.Generator().manual_seed(seed)
    B, C, h, w = shape
    cams = F.interpolate(
        3 * torch.randn(B, C, cam_res, cam_res, generator=g), size=(h, w),
        mode='bilinear', align_corners=False)
    images = F.interpolate(
        torch.rand(B, 3, 14, 14, generator=g), size=(h, w), mode='bilinear',
        align_corners=False)
    images = (images + 0.02 * torch.randn(images.shape, generator=g))
    tags = (torch.rand(B, C, generator=g) < 0.15).long()
    tags[:, 0] = 1
    return cams, images.clamp(0, 1), tags


def test_two_pixels_by_hand():
    cams = torch.tensor([[[[2.0, 1.0]]]], dtype=torch.float64,
                        requires_grad=True)
    # RGB (0.2, 0.4, 0.6) and (0.7, 0.4, 0.1)
    images = torch.tensor([[0.2, 0.7], [0.4, 0.4], [0.6, 0.1]],
                          dtype=torch.float64).view(1, 3, 1, 2)
    # r = (1, 0.5); delta = (0.5 + 0 + 0.5) / 3 = 1/3; |p_1 - p_2| = 1
    f = math.tanh(2.5 + math.log((1 / 3) / (2 / 3)))
    weight = math.exp(-1 / 50) / (2 * math.pi * 25)
    g = 0.5 * 0.5**2
    # two ordered pairs, h w = 2
    expected = -(weight * g * f + weight * g * f) / 2
    for loss in (feature_similarity_loss(cams, images, torch.tensor([[1]])),
                 feature_similarity_loss_dense(cams, images,
                                               torch.tensor([[1]]))):
        assert abs(loss.item() - expected) < 1e-15
        # dL/dr_1 = -w f (r_1 - r_2), dr_1/ds_1 = 1 / max = 1/2
        cams.grad = None
        loss.backward()
        grad = [-weight * f / 4, weight * f / 4]
        assert torch.allclose(cams.grad.flatten(),
                              torch.tensor(grad, dtype=torch.float64))


@pytest.mark.parametrize('tags, mu, sigma, radius', [
    ([[1, 1]], 2.5, 5.0, None),
    ([[0, 1]], 1.0, 1.5, None),
    ([[1, 1]], 2.5, 1.5, 2),
    ([[1, 0]], 2.5, 5.0, 1),
])
def test_matches_pair_by_pair_loop(tags, mu, sigma, radius):
    cams, images = random_inputs((1, 2, 4, 5), seed=1)
    a = cams.clone().requires_grad_()
    b = cams.clone().requires_grad_()
    got = feature_similarity_loss(a, images, torch.tensor(tags), mu, sigma,
                                  radius)
    expected = naive(b, images, tags, mu, sigma, radius)
    assert abs(got.item() - expected.item()) < 1e-12
    got.backward()
    expected.backward()
    assert torch.allclose(a.grad, b.grad, rtol=1e-9, atol=1e-15)


def test_all_pairs_equal_the_dense_formula():
    cams, images = random_inputs((2, 3, 9, 11), seed=2)
    tags = torch.tensor([[1, 0, 1], [0, 1, 1]])
    a = cams.clone().requires_grad_()
    b = cams.clone().requires_grad_()
    got = feature_similarity_loss(a, images, tags, radius=None)
    expected = feature_similarity_loss_dense(b, images, tags)
    assert abs(got.item() - expected.item()) < 1e-12 * abs(expected.item())
    got.backward()
    expected.backward()
    assert torch.allclose(a.grad, b.grad, rtol=1e-9, atol=1e-15)
    # a window wider than the image is all pairs too
    wide = feature_similarity_loss(cams, images, tags, radius=20)
    assert abs(wide.item() - expected.item()) < 1e-12 * abs(expected.item())


def test_absent_classes_do_not_contribute():
    cams, images = random_inputs((2, 3, 6, 7), seed=3)
    tags = torch.tensor([[1, 0, 1], [0, 0, 1]])
    changed = cams.clone()
    changed[tags == 0] = 5 * torch.randn(changed[tags == 0].shape,
                                         dtype=changed.dtype)
    changed.requires_grad_()
    base = feature_similarity_loss(cams, images, tags, radius=3)
    loss = feature_similarity_loss(changed, images, tags, radius=3)
    assert abs(loss.item() - base.item()) < 1e-15
    loss.backward()
    assert (changed.grad[tags == 0] == 0).all()
    assert (changed.grad[tags == 1] != 0).any()


def test_no_present_class_and_negative_maps_give_zero():
    cams, images = random_inputs((2, 2, 5, 5), seed=4)
    cams = -cams.abs()  # no positive score: r = 0
    for tags in ([[0, 0], [0, 0]], [[1, 0], [1, 1]]):
        x = cams.clone().requires_grad_()
        loss = feature_similarity_loss(x, images, torch.tensor(tags))
        loss.backward()
        assert loss.item() == 0 and (x.grad == 0).all()
    x = cams.clone().requires_grad_()
    loss = feature_similarity_loss(x, images, torch.ones(2, 2), radius=0)
    assert loss.item() == 0


def test_default_window_is_within_one_percent_at_56():
    # CAMs varying on a scale of ~8 px (upsampled 7 x 7 noise): the window
    # of 3 sigma keeps the value within 1% (about 0.6% here)
    cams, images, tags = smooth_inputs((1, 20, 56, 56), seed=0, cam_res=7)
    dense = feature_similarity_loss_dense(cams, images, tags).item()
    windowed = FeatureSimilarityLoss()(cams, images, tags).item()
    assert abs(windowed / dense - 1) < 0.01
    # CAMs almost linear over the window (upsampled 3 x 3 noise) need 4 sigma
    cams, images, tags = smooth_inputs((1, 20, 56, 56), seed=1, cam_res=3)
    dense = feature_similarity_loss_dense(cams, images, tags).item()
    windowed = feature_similarity_loss(cams, images, tags, radius=20).item()
    assert abs(windowed / dense - 1) < 0.001


def test_module_loss_weight_name_and_registry():
    cams, images = random_inputs((2, 3, 6, 7), seed=5)
    tags = torch.tensor([[1, 0, 1], [0, 1, 0]])
    module = FeatureSimilarityLoss(mu=2.0, sigma=3.0, radius=4,
                                   loss_weight=0.2)
    assert module.loss_name == 'loss_fsl'
    plain = feature_similarity_loss(cams, images, tags, 2.0, 3.0, 4)
    assert abs(module(cams, images, tags).item() - 0.2 * plain.item()) < 1e-15
    built = MODELS.build(dict(type='FeatureSimilarityLoss', radius=7))
    assert isinstance(built, FeatureSimilarityLoss) and built.radius == 7


@pytest.mark.parametrize('cams, images, tags, radius, match', [
    (torch.zeros(2, 3, 4), torch.zeros(2, 3, 4, 4), torch.zeros(2, 3), 15,
     'cams must be'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 1, 4, 4), torch.zeros(2, 3), 15,
     'images must have shape'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 8, 8), torch.zeros(2, 3), 15,
     'images must have shape'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(1, 3, 4, 4), torch.zeros(2, 3), 15,
     'images must have shape'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 4, 4), torch.zeros(2, 2), 15,
     'tags shape'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 4, 4), torch.full((2, 3), 3),
     15, 'tags must be'),
    (torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 4, 4), torch.zeros(2, 3), -1,
     'radius must be'),
])
def test_errors(cams, images, tags, radius, match):
    with pytest.raises(ValueError, match=match):
        feature_similarity_loss(cams, images, tags, radius=radius)
    if radius == 15:
        with pytest.raises(ValueError, match=match):
            feature_similarity_loss_dense(cams, images, tags)
        with pytest.raises(ValueError, match=match):
            FeatureSimilarityLoss()(cams, images, tags)
