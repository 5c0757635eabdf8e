"""PDMLHead: point embeddings against direct indexing and a linear map,
the extension rule against a pixel-by-pixel reading of Eqs. 6-7, the
losses against the loss modules called on independently gathered inputs,
the warm-up switch, gradients and bad input."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.structures import InstanceData, PixelData
from mmseg.structures import SegDataSample

from mmwsss.models import PDMLHead
from mmwsss.models.decode_heads.pdml_head import (extension_targets,
                                                  point_embeddings)
from mmwsss.models.losses import PartialCrossEntropyLoss, TripletMetricLoss
from mmwsss.utils import register_all_modules

register_all_modules()


def make_sample(points, labels, size=(8, 10), path='img.jpg'):
    H, W = size
    gt = torch.full((1, H, W), 255, dtype=torch.long)
    for (x, y), lab in zip(points, labels):
        gt[0, int(y), int(x)] = lab
    s = SegDataSample(metainfo=dict(img_path=path, img_shape=size,
                                    batch_input_shape=size))
    s.gt_sem_seg = PixelData(data=gt)
    s.gt_points = InstanceData(
        points=torch.tensor(points, dtype=torch.float32) + 0.5,
        labels=torch.tensor(labels, dtype=torch.long))
    return s


def make_head(**kwargs):
    """Stride-1 decoder: the embedding map has the input's size."""
    cfg = dict(
        decoder=dict(type='FCNHead', in_channels=3, channels=5, num_convs=1,
                     concat_input=False, num_classes=1),
        num_classes=3,
        loss_decode=dict(type='PartialCrossEntropyLoss'))
    cfg.update(kwargs)
    return PDMLHead(**cfg)


SAMPLES = [([(1, 1), (6, 2), (8, 7)], [0, 1, 2]),
           ([(0, 0), (3, 5), (9, 4), (5, 5)], [1, 0, 2, 2]),
           ([(2, 6)], [0])]


def batch():
    return [make_sample(p, lab, path=f'im{i}.jpg')
            for i, (p, lab) in enumerate(SAMPLES)]


def test_point_embeddings_index_stride_one_maps():
    g = torch.Generator().manual_seed(0)
    emb = torch.randn(3, 5, 8, 10, generator=g)
    pts = [torch.tensor(p) for p, _ in SAMPLES]
    got, ids = point_embeddings(emb, pts, (8, 10))
    want = torch.cat([emb[b, :, p[:, 1], p[:, 0]].T
                      for b, p in enumerate(pts)])
    torch.testing.assert_close(got, want)
    assert ids.tolist() == [0, 0, 0, 1, 1, 1, 1, 2]


def test_point_embeddings_interpolate_at_stride_four():
    # a map whose value at feature cell j is the input coordinate of the
    # cell's centre: bilinear sampling returns the point's own coordinate
    H, W, s = 16, 24, 4
    xs = (torch.arange(W // s) + 0.5) * s
    ys = (torch.arange(H // s) + 0.5) * s
    emb = torch.stack([xs[None].expand(H // s, -1),
                       ys[:, None].expand(-1, W // s)])[None]
    pts = torch.tensor([[5, 6], [10, 3], [13, 9]])
    got, _ = point_embeddings(emb, [pts], (H, W))
    torch.testing.assert_close(got, pts.float() + 0.5)


def naive_extension(probs, target, classes, thr, window):
    B, C, H, W = probs.shape
    out = torch.full((B, H, W), 255, dtype=torch.long)
    r = window // 2
    for b in range(B):
        for y in range(H):
            for x in range(W):
                if target[b, y, x] != 255:
                    continue
                p = probs[b, :, y, x]
                c = int(p.argmax())
                near = any(target[b, yy, xx] != 255
                           for yy in range(max(0, y - r), min(H, y + r + 1))
                           for xx in range(max(0, x - r), min(W, x + r + 1)))
                if p[c] > thr and classes[b, c] and near:
                    out[b, y, x] = c
    return out


@pytest.mark.parametrize('thr,window', [(0.7, 5), (0.4, 3), (0.0, 1)])
def test_extension_matches_pixel_by_pixel_rule(thr, window):
    g = torch.Generator().manual_seed(1)
    probs = (3 * torch.randn(2, 4, 9, 11, generator=g)).softmax(1)
    target = torch.full((2, 9, 11), 255, dtype=torch.long)
    target[0, 2, 3], target[0, 7, 9], target[1, 4, 5] = 1, 2, 0
    classes = torch.tensor([[False, True, True, False],
                            [True, False, False, True]])
    got = extension_targets(probs, target, classes, thr, window)
    assert torch.equal(got, naive_extension(probs, target, classes, thr,
                                            window))
    if window == 1:  # a 1x1 square holds only the annotated pixel
        assert (got == 255).all()


MODES = [dict(), dict(embedding='features'),
         dict(embedding='projection', embed_dim=5)]


@pytest.mark.parametrize('mode', MODES)
def test_losses_match_modules_on_gathered_points(mode):
    torch.manual_seed(0)
    # threshold 0: every near pixel predicted as one of its image's classes
    head = make_head(extension=dict(start_iter=0, threshold=0.0), **mode)
    samples = batch()
    x = torch.randn(3, 3, 8, 10)
    torch.manual_seed(5)
    losses = head.loss([x], samples, {})
    assert {'loss_pce', 'loss_triplet', 'loss_extend', 'acc_seg',
            'extended_pixels'} <= set(losses)
    with torch.no_grad():
        emb, logits = head.embed_and_classify([x])
    gt = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    want_pce = PartialCrossEntropyLoss()(logits, gt)
    torch.testing.assert_close(losses['loss_pce'], want_pce)
    pts = [torch.tensor(p) for p, _ in SAMPLES]
    e = torch.cat([emb[b, :, p[:, 1], p[:, 0]].T for b, p in enumerate(pts)])
    labels = torch.tensor([lab for _, labs in SAMPLES for lab in labs])
    ids = torch.tensor([b for b, (p, _) in enumerate(SAMPLES) for _ in p])
    torch.manual_seed(5)  # the same seed draw as in the head
    want_t = TripletMetricLoss()(e, labels, ids)
    assert want_t > 0
    torch.testing.assert_close(losses['loss_triplet'], want_t)
    classes = torch.zeros(3, 3, dtype=torch.bool)
    for b, (_, labs) in enumerate(SAMPLES):
        classes[b, labs] = True
    ext = naive_extension(logits.softmax(1), gt, classes, 0.0, 5)
    assert (ext != 255).sum() > 10
    torch.testing.assert_close(
        losses['loss_extend'],
        PartialCrossEntropyLoss()(logits, ext))
    assert losses['extended_pixels'] == pytest.approx(
        (ext != 255).sum().item() / 3)


@pytest.mark.parametrize('mode', MODES[1:])
def test_triplet_gradient_reaches_the_decoder(mode):
    head = make_head(loss_decode=dict(type='PartialCrossEntropyLoss',
                                      loss_weight=0.0), **mode)
    losses = head.loss([torch.randn(3, 3, 8, 10)], batch(), {})
    losses['loss_triplet'].backward()
    grad = head.decoder.convs[0].conv.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    assert head.conv_seg.weight.grad is None or \
        head.conv_seg.weight.grad.abs().sum() == 0


def test_backbone_embeddings_send_the_triplet_gradient_to_the_backbone():
    head = make_head(loss_decode=dict(type='PartialCrossEntropyLoss',
                                      loss_weight=0.0))
    x = torch.randn(3, 3, 8, 10, requires_grad=True)
    head.loss([x], batch(), {})['loss_triplet'].backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    # the classifier g (the decoder) gets none of it
    assert head.decoder.convs[0].conv.weight.grad is None


def test_extension_waits_for_its_start_iteration():
    head = make_head(extension=dict(start_iter=100))
    hub = MessageHub.get_current_instance()
    old = hub.get_info('iter')
    try:
        hub.update_info('iter', 99)
        assert not head.extension_active()
        assert 'loss_extend' not in head.loss([torch.randn(3, 3, 8, 10)],
                                              batch(), {})
        hub.update_info('iter', 100)
        assert head.extension_active()
        assert 'loss_extend' in head.loss([torch.randn(3, 3, 8, 10)],
                                          batch(), {})
    finally:
        hub.update_info('iter', old or 0)
    assert not make_head().extension_active()


def test_without_triplet_is_point_cross_entropy():
    head = make_head(loss_triplet=None)
    losses = head.loss([torch.randn(3, 3, 8, 10)], batch(), {})
    assert set(losses) == {'loss_pce', 'acc_seg'}


def test_bad_input_names_the_image():
    head = make_head()
    samples = batch()
    samples[1].gt_points.points[0] = torch.tensor([10.5, 2.5])  # x == W
    with pytest.raises(ValueError, match=r'im1\.jpg: point 0 .* outside'):
        head.loss([torch.randn(3, 3, 8, 10)], samples, {})
    samples = batch()
    samples[2].gt_points.labels[0] = 3
    with pytest.raises(ValueError, match=r'im2\.jpg: point 0 has class 3'):
        head.loss([torch.randn(3, 3, 8, 10)], samples, {})
    samples = batch()
    del samples[0].gt_points
    with pytest.raises(KeyError, match=r'im0\.jpg.*no gt_points'):
        head.loss([torch.randn(3, 3, 8, 10)], samples, {})
    with pytest.raises(ValueError, match='window must be odd'):
        make_head(extension=dict(window=4))
    with pytest.raises(ValueError, match='unknown extension keys'):
        make_head(extension=dict(thr=0.7))


def test_predicts_with_logits():
    head = make_head()
    x = torch.randn(1, 3, 8, 10)
    meta = [dict(img_shape=(8, 10), pad_shape=(8, 10))]
    out = head.predict([x], meta, {})
    assert out.shape == (1, 3, 8, 10)
    # the decoder's logits at the input size (already 8 x 10 here)
    torch.testing.assert_close(out, head.forward([x]))


def test_backbone_embeddings_are_the_decoders_input():
    torch.manual_seed(0)
    head = make_head()
    head.init_weights()
    assert head.embed_dim == 3
    # the decoder classifies: no classifier of this head's own
    assert not any(k.startswith('conv_seg') for k in head.state_dict())
    x = torch.randn(2, 3, 8, 10)
    torch.testing.assert_close(head.embed([x]), x)
    conv = head.decoder.convs[0].conv
    feat = torch.nn.functional.conv2d(x, conv.weight, conv.bias,
                                      padding=1).clamp(min=0)
    cls = head.decoder.conv_seg
    want = torch.nn.functional.conv2d(feat, cls.weight, cls.bias)
    assert want.shape[1] == 3
    torch.testing.assert_close(head.forward([x]), want)


def test_feature_embeddings_are_the_decoders_feature_map():
    torch.manual_seed(0)
    head = make_head(embedding='features')
    head.init_weights()
    assert head.embed_dim == 5 and head.conv_seg.in_channels == 5
    # the decoder's own classifier is gone: no parameter left unused
    assert not any(k.startswith('decoder.conv_seg')
                   for k in head.state_dict())
    x = torch.randn(2, 3, 8, 10)
    emb = head.embed([x])
    # FCNHead without norm_cfg: one 3x3 convolution and a ReLU
    conv = head.decoder.convs[0].conv
    want = torch.nn.functional.conv2d(x, conv.weight, conv.bias,
                                      padding=1).clamp(min=0)
    torch.testing.assert_close(emb, want)
    torch.testing.assert_close(head.forward([x]), head.conv_seg(emb))


def test_projection_embeddings_are_the_decoders_outputs():
    torch.manual_seed(0)
    head = make_head(embedding='projection', embed_dim=7)
    assert head.decoder.conv_seg.out_channels == 7
    assert head.conv_seg.in_channels == 7
    x = torch.randn(2, 3, 8, 10)
    # FCNHead without norm_cfg: one 3x3 convolution and a ReLU, then its
    # 1x1 conv_seg to embed_dim channels
    conv = head.decoder.convs[0].conv
    feat = torch.nn.functional.conv2d(x, conv.weight, conv.bias,
                                      padding=1).clamp(min=0)
    proj = head.decoder.conv_seg
    want = torch.nn.functional.conv2d(feat, proj.weight, proj.bias)
    torch.testing.assert_close(head.embed([x]), want)


def test_feature_embeddings_of_a_head_without_forward_feature():
    # DeepLabV3+ ends in cls_seg too: its fused feature map of `channels`
    head = PDMLHead(
        decoder=dict(type='DepthwiseSeparableASPPHead', in_channels=8,
                     in_index=1, channels=6, c1_in_channels=4,
                     c1_channels=2, dilations=(1, 2), num_classes=1),
        num_classes=3, loss_decode=dict(type='PartialCrossEntropyLoss'),
        embedding='features')
    x = [torch.randn(2, 4, 16, 16), torch.randn(2, 8, 8, 8)]
    emb = head.embed(x)
    assert emb.shape == (2, 6, 16, 16) and head.embed_dim == 6
    assert (emb >= 0).all()  # the ReLU of its last ConvModule
    assert not any(k.startswith('decoder.conv_seg')
                   for k in head.state_dict())


def test_embedding_settings_are_checked():
    with pytest.raises(ValueError, match='embed_dim=7 differs from the '
                       "decoder's channels=5"):
        make_head(embed_dim=7, embedding='features')
    with pytest.raises(ValueError, match='embed_dim=7 differs from the '
                       "decoder's in_channels=3"):
        make_head(embed_dim=7)
    with pytest.raises(ValueError, match='embedding must be'):
        make_head(embedding='logits')
