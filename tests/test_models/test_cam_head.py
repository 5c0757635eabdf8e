"""CAMHead and CAMEncoderDecoder against direct computations."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmwsss.apis import restrict_cams_to_boxes, save_cams
from mmwsss.registry import MODELS
from mmwsss.utils import register_all_modules

register_all_modules()

BACKBONE = dict(type='ResNetV1c', depth=18, stem_channels=8,
                base_channels=8, num_stages=4, out_indices=(3, ),
                dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
                norm_cfg=dict(type='BN', requires_grad=True),
                contract_dilation=True)
PRE = dict(type='SegDataPreProcessor', mean=[120.0, 110.0, 100.0],
           std=[60.0, 50.0, 40.0], bgr_to_rgb=True, pad_val=0,
           seg_pad_val=255)


def head_cfg(**kw):
    cfg = dict(type='CAMHead', in_channels=64, in_index=0, num_classes=4,
               background_index=0)
    cfg.update(kw)
    return cfg


def build_model(cam_cfg=None, **head_kw):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='CAMEncoderDecoder', data_preprocessor=PRE,
             backbone=BACKBONE, decode_head=head_cfg(**head_kw),
             cam_cfg=cam_cfg, train_cfg=dict(),
             test_cfg=dict(mode='whole')))
    return model.eval()


def sample(tags=None, size=(32, 32), name='img.jpg'):
    s = SegDataSample(metainfo=dict(img_path=name, ori_shape=size,
                                    img_shape=size, pad_shape=size,
                                    padding_size=[0, 0, 0, 0]))
    if tags is not None:
        s.gt_tags = torch.tensor(tags, dtype=torch.float32)
    s.gt_sem_seg = PixelData(data=torch.zeros(1, *size, dtype=torch.long))
    return s


def test_gap_logits_are_the_mean_cam():
    torch.manual_seed(0)
    head = MODELS.build(head_cfg())
    feats = torch.randn(2, 64, 5, 7)
    cams = head([feats])
    assert cams.shape == (2, 3, 5, 7)  # background has no CAM
    assert torch.allclose(head.image_logits(feats), cams.mean((2, 3)),
                          atol=1e-5)
    assert head.conv_seg.bias is None


def test_hspp_logits_classify_the_pooled_features():
    torch.manual_seed(0)
    head = MODELS.build(head_cfg(pool=dict(
        type='HybridSpatialPyramidPooling', levels=(1, 2), gamma=2.0)))
    feats = torch.randn(2, 64, 4, 6)
    # (max over the image + mean of the 2x2 bin maxima + 2 GAP) / 4
    bins = feats.reshape(2, 64, 2, 2, 2, 3).amax((3, 5)).mean((2, 3))
    pooled = (feats.amax((2, 3)) + bins + 2 * feats.mean((2, 3))) / 4
    expected = pooled @ head.conv_seg.weight.flatten(1).T
    assert torch.allclose(head.image_logits(feats), expected, atol=1e-5)


def test_loss_is_the_soft_margin_loss_of_the_foreground_tags():
    torch.manual_seed(0)
    head = MODELS.build(head_cfg())
    feats = torch.randn(2, 64, 5, 5)
    samples = [sample([1, 0, 1, 0]), sample([0, 1, 1, 1])]
    losses = head.loss([feats], samples, {})
    logits = head([feats]).mean((2, 3))
    tags = torch.tensor([[0., 1., 0.], [1., 1., 1.]])
    expected = torch.nn.MultiLabelSoftMarginLoss()(logits, tags)
    assert set(losses) == {'loss_cls'}
    assert torch.allclose(losses['loss_cls'], expected, atol=1e-6)


def test_visual_words_losses_and_word_cams():
    torch.manual_seed(0)
    head = MODELS.build(head_cfg(
        visual_words=dict(type='VisualWordsEncoder', num_words=16)))
    feats = torch.randn(2, 64, 5, 5)
    samples = [sample([1, 0, 1, 0]), sample([0, 1, 1, 1])]
    losses = head.loss([feats], samples, {})
    assert set(losses) == {'loss_cls', 'loss_word', 'loss_w2i'}
    words = head.visual_words(feats)
    tags = torch.tensor([[0., 1., 0.], [1., 1., 1.]])
    # the summed assignments (25 positions) through W_w2i
    w2i = words['assign'].sum((2, 3)) @ head.conv_w2i.weight.flatten(1).T
    assert torch.allclose(losses['loss_w2i'],
                          torch.nn.MultiLabelSoftMarginLoss()(w2i, tags),
                          atol=1e-6)
    word = head.word_classifier(feats.mean((2, 3)))
    assert torch.allclose(
        losses['loss_word'],
        torch.nn.MultiLabelSoftMarginLoss()(word, words['word_labels']),
        atol=1e-6)
    out = head.forward_cams([feats])
    expected = F.relu(F.conv2d(words['assign'], head.conv_w2i.weight))
    assert torch.allclose(out['word_cams'], expected, atol=1e-6)
    # the codebook learns through the word-to-image loss
    losses['loss_w2i'].backward()
    assert head.visual_words.codebook.grad.abs().sum() > 0


def test_tag_errors_name_the_image():
    head = MODELS.build(head_cfg())
    feats = torch.randn(1, 64, 3, 3)
    with pytest.raises(KeyError, match='a.jpg: no gt_tags'):
        head.loss([feats], [sample(None, name='a.jpg')], {})
    with pytest.raises(ValueError, match='b.jpg: no foreground tag'):
        head.loss([feats], [sample([1, 0, 0, 0], name='b.jpg')], {})
    with pytest.raises(ValueError, match=r'c.jpg: gt_tags of shape \(3,\)'):
        head.loss([feats], [sample([1, 0, 0], name='c.jpg')], {})


def test_cam_output_required_at_build_time():
    cfg = dict(type='CAMEncoderDecoder', data_preprocessor=PRE,
               backbone=BACKBONE,
               decode_head=dict(type='ASPPHead', in_channels=64,
                                channels=16, num_classes=4,
                                pool=dict(type='HybridSpatialPyramidPooling'),
                                visual_words=dict(num_words=8)))
    with pytest.raises(TypeError) as e:
        MODELS.build(cfg)
    msg = str(e.value)
    assert 'ASPPHead' in msg and 'pool, visual_words' in msg
    assert 'CAMHead' in msg


def test_fsl_needs_images_outside_the_segmentor():
    head = MODELS.build(head_cfg(loss_fsl=dict(type='FeatureSimilarityLoss')))
    with pytest.raises(ValueError, match='input images'):
        head.loss([torch.randn(1, 64, 3, 3)], [sample([0, 1, 0, 0])], {})


def test_unnormalised_inputs_are_the_images_in_unit_range():
    model = build_model()
    raw = torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8)
    data = model.data_preprocessor(
        dict(inputs=[raw], data_samples=[sample([0, 1, 0, 0], (16, 16))]),
        False)
    back = model.unnormalised(data['inputs'])[0]
    rgb = raw.flip(0).float() / 255  # bgr_to_rgb
    assert torch.allclose(back, rgb, atol=1e-5)


def test_multi_scale_flip_cams_equal_the_direct_sum():
    model = build_model(dict(scales=(1.0, 0.5), flip=True))
    x = torch.randn(1, 3, 32, 32)
    head = model.decode_head

    def relu_cams(inp):
        cams = F.relu(head([model.backbone(inp)[0]]))
        return F.interpolate(cams, size=(32, 32), mode='bilinear',
                             align_corners=False)

    half = F.interpolate(x, scale_factor=0.5, mode='bilinear',
                         align_corners=False)
    total = (relu_cams(x) + relu_cams(x.flip(-1)).flip(-1) +
             relu_cams(half) + relu_cams(half.flip(-1)).flip(-1))
    expected = total / (total.amax((2, 3), keepdim=True) + 1e-5)
    tags = [0, 1, 0, 1]
    got = model.cams(x, [sample(tags)])
    expected[:, 1] = 0  # class 2 is not tagged
    assert torch.allclose(got, expected, atol=1e-5)


def test_scores_put_the_threshold_in_the_background_channel():
    model = build_model(dict(bg_threshold=0.3))
    cams = torch.tensor([0.1, 0.5, 0.2]).reshape(1, 3, 1, 1).expand(
        1, 3, 2, 2)
    scores = model.cams_to_scores(cams)
    assert torch.allclose(scores[0, :, 0, 0],
                          torch.tensor([0.3, 0.1, 0.5, 0.2]))
    low = model.cams_to_scores(cams * 0.5)  # every CAM below 0.3
    assert (low.argmax(1) == 0).all()
    assert (scores.argmax(1) == 2).all()


def test_present_classes_without_tags_follow_the_logits():
    model = build_model(dict(use_tags=True))
    logits = torch.tensor([[-1.0, 2.0, 0.5], [-3.0, -1.0, -2.0]])
    present = model.present_classes(None, logits)
    assert present.tolist() == [[0, 1, 1], [0, 1, 0]]  # at least the top
    tagged = model.present_classes([sample([1, 1, 0, 0]),
                                    sample([0, 0, 0, 1])], logits)
    assert tagged.tolist() == [[1, 0, 0], [0, 0, 1]]


def test_predict_labels_and_sizes():
    model = build_model(dict(scales=(1.0, ), flip=False))
    raw = torch.randint(0, 256, (3, 24, 20), dtype=torch.uint8)
    data = model.data_preprocessor(
        dict(inputs=[raw], data_samples=[sample([1, 0, 1, 0], (24, 20))]),
        False)
    out = model.predict(data['inputs'], data['data_samples'])[0]
    assert out.seg_logits.data.shape == (4, 24, 20)
    labels = out.pred_sem_seg.data[0]
    assert set(labels.unique().tolist()) <= {0, 2}  # background, the tag


def test_restrict_cams_to_boxes_by_hand():
    cams = torch.ones(3, 4, 5)
    # class 2 (channel 1) in the box x 1..3, y 0..2; class 3 in x 4..5, y 2..4
    out = restrict_cams_to_boxes(cams, [[1, 0, 3, 2], [4, 2, 5, 4]], [2, 3],
                                 background_index=0)
    expected = torch.zeros(3, 4, 5)
    expected[1, 0:2, 1:3] = 1
    expected[2, 2:4, 4:5] = 1
    assert torch.equal(out, expected)
    no_bg = restrict_cams_to_boxes(torch.ones(3, 4, 5), [[0, 0, 1, 1]], [0],
                                   background_index=None)
    assert no_bg.sum() == 1 and no_bg[0, 0, 0] == 1
    with pytest.raises(ValueError, match='outside'):
        restrict_cams_to_boxes(cams, [[0, 0, 1, 1]], [0], background_index=0)


def test_saved_cams_read_back_by_the_pseudo_label_tool(tmp_path):
    import importlib.util
    import os.path as osp
    spec = importlib.util.spec_from_file_location(
        'cams_to_pseudo_labels',
        osp.join(osp.dirname(__file__), '..', '..', 'tools',
                 'cams_to_pseudo_labels.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    cams = torch.rand(5, 6, 7)
    save_cams(str(tmp_path / 'x.npy'), cams, [1, 3])
    full, keys = tool.load_cams(str(tmp_path / 'x.npy'), 5)
    assert keys.tolist() == [1, 3]
    assert torch.allclose(full[[1, 3]], cams[[1, 3]])
    assert full[[0, 2, 4]].abs().sum() == 0
    with pytest.raises(ValueError, match='.npy'):
        save_cams(str(tmp_path / 'x.png'), cams, [1])
    np.testing.assert_equal(np.load(tmp_path / 'x.npy',
                                    allow_pickle=True).item()['keys'],
                            [1, 3])


def test_word_branch_modes():
    model = build_model(dict(scales=(1.0, ), flip=False),
                        visual_words=dict(type='VisualWordsEncoder',
                                          num_words=8))
    x = torch.randn(1, 3, 32, 32)
    head = model.decode_head
    with torch.no_grad():
        out = head.forward_cams(model.extract_feat(x))

    def up(m):
        return F.interpolate(m, size=(32, 32), mode='bilinear',
                             align_corners=False)

    img, words = up(out['cams']), up(out['word_cams'])
    norm = model.normalise
    tags = [sample([1, 1, 1, 1])]
    model.cam_cfg['word_branch'] = None
    assert torch.allclose(model.cams(x, tags), norm(img), atol=1e-6)
    model.cam_cfg['word_branch'] = 'max'
    assert torch.allclose(model.cams(x, tags),
                          torch.maximum(norm(img), norm(words)), atol=1e-6)
    model.cam_cfg['word_branch'] = 'minmax'
    shifted = words - words.amin((2, 3), keepdim=True)
    assert torch.allclose(model.cams(x, tags),
                          torch.maximum(norm(img), norm(shifted)), atol=1e-6)
    with pytest.raises(ValueError, match='word_branch'):
        build_model(dict(word_branch='mean'))
