"""PMPHead: pseudo-masks against a step-by-step recomputation (softmax,
refiner, distance fields written out pixel by pixel, threshold, blots,
points), every ablation switch, skipped images, padding, the loss, the
segmentor handing over the images, and bad input."""
import math

import pytest
import torch
import torch.nn as nn
from mmengine.structures import InstanceData, PixelData
from mmseg.structures import SegDataSample

from mmwsss.models import ImageGuidedEncoderDecoder, PMPHead
from mmwsss.models.losses import PartialCrossEntropyLoss
from mmwsss.registry import MODELS
from mmwsss.utils import register_all_modules

register_all_modules()

H, W = 8, 10
C = 4  # background 0 and three objects


@MODELS.register_module(force=True)
class _SquareRefiner(nn.Module):
    """A stand-in refiner that uses the image: p * (1 + image red)."""

    def forward(self, scores, image):
        out = scores * (1 + image[:, :1])
        return out / out.sum(1, keepdim=True)


def make_sample(points, labels, blots=None, size=(H, W), path='a.jpg'):
    h, w = size
    gt = torch.full((1, h, w), 255, dtype=torch.long)
    for (x, y), lab in zip(points, labels):
        gt[0, y, x] = lab
    s = SegDataSample(metainfo=dict(img_path=path, img_shape=size))
    s.gt_sem_seg = PixelData(data=gt)
    s.gt_points = InstanceData(
        points=torch.tensor(points, dtype=torch.float32).view(-1, 2) + 0.5,
        labels=torch.tensor(labels, dtype=torch.long))
    if blots is not None:
        s.gt_point_blots = PixelData(data=blots[None].long())
    return s


def make_head(**kwargs):
    cfg = dict(decoder=dict(type='FCNHead', in_channels=3, channels=4,
                            num_convs=1, concat_input=False, num_classes=1,
                            dropout_ratio=0.0),
               num_classes=C, bg_label=0, refiner=None,
               loss_decode=dict(type='PartialCrossEntropyLoss'))
    cfg.update(kwargs)
    return PMPHead(**cfg)


def naive_fields(points, labels, e_obj, e_bg, bg=0):
    """Method specs Sec. 4.3, pixel by pixel."""
    phi = torch.zeros(C, H, W, dtype=torch.float64)
    for c in set(labels):
        pts = [p for p, lab in zip(points, labels) if lab == c]
        d = torch.tensor([[min(math.hypot(x - px, y - py) for px, py in pts)
                           for x in range(W)] for y in range(H)],
                         dtype=torch.float64)
        phi[c] = 1 - d / d.max()
    out = phi.clone()
    for c in range(C):
        if c != bg:
            out[c] = phi[c] * (1 - phi[bg])
    present = torch.zeros(C, dtype=torch.bool)
    present[list(set(labels))] = True
    e = torch.full((C, ), e_obj, dtype=torch.float64)
    e[bg] = e_bg
    out = (out + e[:, None, None]).clamp(0, 1)
    return out * present[:, None, None]


POINTS = [([(1, 1), (7, 6), (9, 0)], [1, 2, 0]),
          ([(4, 3), (0, 7)], [3, 0])]


def blot_map(seed):
    g = torch.Generator().manual_seed(seed)
    blots = torch.full((H, W), 255, dtype=torch.long)
    blots[torch.rand(H, W, generator=g) < 0.2] = 2
    return blots


def batch(with_blots=True):
    return [make_sample(p, lab, blot_map(i) if with_blots else None,
                        path=f'im{i}.jpg')
            for i, (p, lab) in enumerate(POINTS)]


def reference_masks(logits, images, samples, head, skip=()):
    probs = logits.double().softmax(1)
    q = probs
    if head.refiner is not None:
        q = q * (1 + images[:, :1].double())
        q = q / q.sum(1, keepdim=True)
    out = []
    for b, s in enumerate(samples):
        qb = q[b]
        if head.distance_fields:
            pts, labs = POINTS[b]
            qb = qb * naive_fields(pts, labs, head.e_obj, head.e_bg)
        conf, lab = qb.max(0)
        t = torch.where(conf >= head.threshold, lab, torch.tensor(255))
        if head.use_blots:
            blots = s.gt_point_blots.data[0]
            t = torch.where(blots != 255, blots, t)
        seeds = s.gt_sem_seg.data[0]
        t = torch.where(seeds != 255, seeds, t)
        if b in skip:
            t[:] = 255
        out.append(t)
    return torch.stack(out)


@pytest.mark.parametrize('fields,blots,refiner', [
    (True, True, True), (True, False, True), (False, True, True),
    (False, False, False), (True, True, False)])
def test_pseudo_masks_match_the_steps(fields, blots, refiner):
    head = make_head(distance_fields=fields, use_blots=blots,
                     refiner=dict(type='_SquareRefiner') if refiner else None,
                     threshold=0.3)
    if fields:
        head.e_obj, head.e_bg = 0.2, 0.1
    g = torch.Generator().manual_seed(2)
    logits = 2 * torch.randn(2, C, H, W, generator=g)
    images = torch.rand(2, 3, H, W, generator=g)
    samples = batch(blots)
    got, skipped = head.pseudo_masks(logits, images, samples)
    want = reference_masks(logits, images, samples, head)
    assert skipped == 0
    assert torch.equal(got, want)
    assert (got != 255).sum() > (torch.stack(
        [s.gt_sem_seg.data[0] for s in samples]) != 255).sum()


def test_low_resolution_logits_are_upsampled_first():
    head = make_head(distance_fields=False, use_blots=False, threshold=0.3)
    logits = torch.randn(1, C, 4, 5)
    images = torch.rand(1, 3, H, W)
    got, _ = head.pseudo_masks(logits, images, batch(False)[:1])
    up = torch.nn.functional.interpolate(logits, (H, W), mode='bilinear')
    want = reference_masks(up, images, batch(False)[:1], head)
    assert torch.equal(got, want)


def test_image_without_object_point_is_skipped_and_counted():
    head = make_head(threshold=1e-6)
    samples = batch()
    samples[1] = make_sample([(0, 7)], [0], blot_map(1), path='bg_only.jpg')
    logits = torch.randn(2, C, H, W)
    got, skipped = head.pseudo_masks(logits, torch.rand(2, 3, H, W),
                                     samples)
    assert skipped == 1
    assert (got[1] == 255).all() and (got[0] != 255).any()
    losses = head.loss([torch.randn(2, 3, H, W)], samples, {},
                       images=torch.rand(2, 3, H, W))
    assert losses['skipped_images'] == 1
    # without a background class every point is an object's
    head = make_head(threshold=1e-6, bg_label=None)
    _, skipped = head.pseudo_masks(logits, torch.rand(2, 3, H, W), samples)
    assert skipped == 0


def test_padding_is_unlabelled():
    head = make_head(distance_fields=False, use_blots=False, threshold=1e-6)
    samples = [make_sample([(1, 1)], [1], size=(6, 7))]
    got, _ = head.pseudo_masks(torch.randn(1, C, H, W),
                               torch.rand(1, 3, H, W), samples)
    assert (got[0, 6:] == 255).all() and (got[0, :, 7:] == 255).all()
    assert (got[0, :6, :7] != 255).all()


def test_loss_is_cross_entropy_on_the_pseudo_masks():
    head = make_head(threshold=0.3)
    head.e_obj, head.e_bg = 0.3, 0.2
    x = torch.randn(2, 3, H, W)
    images = torch.rand(2, 3, H, W)
    samples = batch()
    losses = head.loss([x], samples, {}, images=images)
    assert {'loss_pce', 'acc_seg', 'pseudo_labelled', 'skipped_images',
            'pseudo_top_class'} <= set(losses)
    with torch.no_grad():
        logits = head.forward([x])
    target = reference_masks(logits, images, samples, head)
    torch.testing.assert_close(losses['loss_pce'],
                               PartialCrossEntropyLoss()(logits, target))
    assert losses['pseudo_labelled'].item() == pytest.approx(
        (target != 255).float().mean().item())
    labelled = target[target != 255].tolist()
    top = max(labelled.count(c) for c in set(labelled)) / len(labelled)
    assert losses['pseudo_top_class'].item() == pytest.approx(top)
    losses['loss_pce'].backward()
    assert head.decoder.conv_seg.weight.grad.abs().sum() > 0


def test_expansion_attributes_only_with_fields():
    assert hasattr(make_head(), 'e_obj') and hasattr(make_head(), 'e_bg')
    assert not hasattr(make_head(distance_fields=False), 'e_obj')


def test_bad_input():
    head = make_head()
    with pytest.raises(ValueError, match='ImageGuidedEncoderDecoder'):
        head.loss([torch.randn(2, 3, H, W)], batch(), {})
    samples = batch()
    samples[0].gt_points.points[1] = torch.tensor([3.5, 8.5])  # y == H
    with pytest.raises(ValueError, match=r'im0\.jpg: point 1 .*outside'):
        head.pseudo_masks(torch.randn(2, C, H, W), torch.rand(2, 3, H, W),
                          samples)
    samples = batch()
    samples[1].gt_points.labels[0] = C
    with pytest.raises(ValueError, match=r'im1\.jpg: point 0 has class 4'):
        head.pseudo_masks(torch.randn(2, C, H, W), torch.rand(2, 3, H, W),
                          samples)
    with pytest.raises(KeyError, match=r'im0\.jpg.*gt_point_blots'):
        head.pseudo_masks(torch.randn(2, C, H, W), torch.rand(2, 3, H, W),
                          batch(with_blots=False))
    with pytest.raises(ValueError, match='bg_label 4'):
        make_head(bg_label=4)


def test_segmentor_hands_over_unnormalised_images():
    seen = {}

    class Spy(PMPHead):

        def loss(self, inputs, samples, train_cfg, images=None):
            seen['images'] = images
            return super().loss(inputs, samples, train_cfg, images=images)

    model = ImageGuidedEncoderDecoder(
        data_preprocessor=dict(type='SegDataPreProcessor',
                               mean=[100., 110., 120.], std=[50., 60., 70.],
                               bgr_to_rgb=False, size=(H, W), pad_val=0,
                               seg_pad_val=255),
        backbone=dict(type='mmseg.ResNetV1c', depth=18, base_channels=8,
                      stem_channels=8, num_stages=1, strides=(1, ),
                      dilations=(1, ), out_indices=(0, )),
        decode_head=dict(type='PMPHead', bg_label=0, refiner=None,
                         num_classes=C, threshold=0.3,
                         loss_decode=dict(type='PartialCrossEntropyLoss'),
                         decoder=dict(type='FCNHead', in_channels=8,
                                      channels=4, num_convs=1,
                                      concat_input=False, num_classes=1)))
    model.decode_head.__class__ = Spy
    img = torch.randint(0, 256, (3, H, W), dtype=torch.uint8)
    samples = batch()
    for s in samples:
        s.set_metainfo(dict(img_shape=(H, W), ori_shape=(H, W)))
    data = model.data_preprocessor(
        dict(inputs=[img, img.clone()], data_samples=samples), True)
    losses = model(**data, mode='loss')
    assert 'decode.loss_pce' in losses
    torch.testing.assert_close(seen['images'][0], img.float() / 255,
                               atol=1e-5, rtol=0)


def test_top_class_share_of_a_hand_made_mask():
    head = make_head(distance_fields=False, use_blots=False, refiner=None,
                     threshold=1.0)
    # threshold 1: no pixel from the logits, only the seeds: 3 of class 1,
    # 1 of class 2 -> the top class holds 3 / 4 of the labelled pixels
    samples = [make_sample([(0, 0), (1, 0), (2, 0), (3, 3)], [1, 1, 1, 2])]
    losses = head.loss([torch.zeros(1, 3, H, W)], samples, {},
                       images=torch.rand(1, 3, H, W))
    assert losses['pseudo_top_class'].item() == pytest.approx(0.75)
