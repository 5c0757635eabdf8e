"""inference_dataset against a direct per-image computation."""
import pytest
import torch
import torch.nn.functional as F
from mmengine import ConfigDict
from mmseg.structures import SegDataSample

from mmwsss.apis import inference_dataset

MEAN = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)


def build(head='SPMLHead', test_cfg=None):
    from mmwsss.registry import MODELS
    backbone = dict(type='ResNetV1c', depth=18, stem_channels=8,
                    base_channels=8, out_indices=(3, ),
                    dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1))
    if head == 'SPMLHead':
        decode_head = dict(
            type='SPMLHead', memory_batches=0,
            decoder=dict(type='ASPPHead', in_channels=64, in_index=0,
                         channels=16, dilations=(1, 2)),
            num_classes=3, embed_dim=8)
    else:
        decode_head = dict(type='FCNHead', in_channels=64, channels=8,
                           num_convs=1, concat_input=False, num_classes=3)
    torch.manual_seed(0)
    model = MODELS.build(ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor',
                               mean=MEAN.flatten().tolist(),
                               std=STD.flatten().tolist(), bgr_to_rgb=True,
                               test_cfg=test_cfg),
        backbone=backbone, decode_head=decode_head,
        test_cfg=dict(mode='whole')))
    # non-trivial BN statistics, so that eval mode matters
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    return model


def packed(sizes, seed=0):
    """mmseg's packed items: (3, H, W) uint8 BGR inputs and data samples."""
    g = torch.Generator().manual_seed(seed)
    items = []
    for k, (h, w) in enumerate(sizes):
        s = SegDataSample()
        s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w),
                            img_path=f'img{k}.png'))
        items.append(dict(inputs=torch.randint(0, 256, (3, h, w),
                                               generator=g,
                                               dtype=torch.uint8),
                          data_samples=s))
    return items


def direct(model, item):
    """One image: normalised by hand, backbone, decoder, unit length."""
    x = (item['inputs'][[2, 1, 0]].float() - MEAN) / STD
    with torch.no_grad():
        emb = F.normalize(model.decode_head.decoder(model.backbone(x[None])),
                          dim=1)[0]
        logits = torch.einsum('dhw,cd->chw', emb,
                              model.decode_head.conv_seg.weight[:, :, 0, 0])
        logits = logits + model.decode_head.conv_seg.bias[:, None, None]
    return emb, logits


def test_batched_results_equal_one_image_at_a_time():
    model = build().eval()
    sizes = [(16, 16), (16, 16), (16, 16), (24, 16), (16, 16)]
    items = packed(sizes)
    results = list(inference_dataset(model, items, ('embeddings', 'logits'),
                                     batch_size=2))
    assert [r['index'] for r in results] == [0, 1, 2, 3, 4]
    for item, res in zip(items, results):
        assert res['data_sample'].img_path == item['data_samples'].img_path
        emb, logits = direct(model, item)
        h, w = item['inputs'].shape[-2:]
        assert res['embeddings'].shape == (8, h // 8, w // 8)
        torch.testing.assert_close(res['embeddings'], emb, atol=1e-5,
                                   rtol=1e-4)
        torch.testing.assert_close(res['logits'], logits, atol=1e-5,
                                   rtol=1e-4)


def test_logits_of_any_decode_head_match_mmseg_predict():
    """Logits only, of an FCN head: upsampled to the image they are mmseg's
    ``predict`` scores; indices pick and order the images; a model in
    training mode is run in eval mode and left in training mode."""
    model = build('FCNHead')
    items = packed([(16, 24)] * 4, seed=1)
    model.train()
    results = list(inference_dataset(model, items, batch_size=3,
                                     indices=[3, 0, 2]))
    assert model.training
    assert [r['index'] for r in results] == [3, 0, 2]
    assert set(results[0]) == {'index', 'data_sample', 'logits'}
    model.eval()
    for res in results:
        item = items[res['index']]
        with torch.no_grad():
            batch = model.data_preprocessor(
                dict(inputs=[item['inputs']],
                     data_samples=[item['data_samples'].clone()]), False)
            want = model.predict(batch['inputs'], batch['data_samples'])
        got = F.interpolate(res['logits'][None], size=(16, 24),
                            mode='bilinear', align_corners=False)[0]
        torch.testing.assert_close(got, want[0].seg_logits.data, atol=1e-5,
                                   rtol=1e-4)


def test_test_time_padding_is_cut_away():
    """Inputs padded to 32 x 32 by the preprocessor: features 4 x 4 of which
    ceil(4 * 20 / 32) = 3 rows and ceil(4 * 12 / 32) = 2 columns are the
    image's."""
    model = build(test_cfg=dict(size_divisor=32)).eval()
    items = packed([(20, 12), (20, 12)], seed=2)
    results = list(inference_dataset(model, items, ('embeddings', ),
                                     batch_size=2, num_workers=1))
    for item, res in zip(items, results):
        assert tuple(res['data_sample'].img_padding_size) == (0, 20, 0, 12)
        x = (item['inputs'][[2, 1, 0]].float() - MEAN) / STD
        x = F.pad(x, (0, 32 - 12, 0, 32 - 20))  # zeros after normalisation
        with torch.no_grad():
            emb = F.normalize(model.decode_head.decoder(
                model.backbone(x[None])), dim=1)[0]
        assert res['embeddings'].shape == (8, 3, 2)
        torch.testing.assert_close(res['embeddings'], emb[:, :3, :2],
                                   atol=1e-5, rtol=1e-4)


def test_bad_arguments_are_named():
    model = build('FCNHead').eval()
    items = packed([(16, 16)])
    with pytest.raises(ValueError, match='outputs must be'):
        inference_dataset(model, items, ('features', ))
    with pytest.raises(ValueError, match='batch_size must be >= 1'):
        inference_dataset(model, items, batch_size=0)
    with pytest.raises(TypeError, match='needs a decode head.*FCNHead'):
        inference_dataset(model, items, ('embeddings', ))
    with pytest.raises(TypeError, match=r'dataset\[0\] is not a packed item'):
        next(inference_dataset(model, [dict(img=None)]))
