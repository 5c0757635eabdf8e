"""SPMLHead: the four relations against their definitions evaluated pixel by
pixel (``spml_reference``), the memory bank's part in them, the refusal to
train without a bank's hook, and the head on mmseg models."""
import pytest
import torch
import torch.nn.functional as F

from mmwsss.models import SPMLHead
from mmwsss.utils import register_all_modules

from .spml_reference import (KAPPA, LAMBDA, bank_entries, make_head,
                             make_samples, naive_relation_losses)

register_all_modules()


@pytest.mark.parametrize('with_bank,split', [(False, False), (True, True)])
def test_relations_match_per_pixel_equations(with_bank, split):
    g = torch.Generator().manual_seed(1)
    head = make_head(split_by_labels=split).double()
    samples = make_samples(g)
    raw = torch.randn(3, 6, 5, 6, generator=g, dtype=torch.double)
    bank = bank_entries(g) if with_bank else []
    for entry in bank:
        head.memory_bank.push(entry)
    raw1 = raw.clone().requires_grad_(True)
    losses = head.relation_loss(F.normalize(raw1, dim=1), samples)
    assert set(losses) == {f'loss_{r}' for r in LAMBDA}
    sum(losses.values()).backward()
    raw2 = raw.clone().requires_grad_(True)
    want = naive_relation_losses(F.normalize(raw2, dim=1), samples, bank,
                                 split_by_labels=split)
    for r in LAMBDA:
        assert abs(losses[f'loss_{r}'].item() - want[r].item()) < 1e-9, r
    sum(want.values()).backward()
    torch.testing.assert_close(raw1.grad, raw2.grad)


def test_step_entry_is_handed_over_once():
    g = torch.Generator().manual_seed(3)
    head = make_head().double()
    assert head.memory_bank_entry() is None
    samples = make_samples(g, B=2)
    emb = F.normalize(torch.randn(2, 6, 4, 4, generator=g,
                                  dtype=torch.double), dim=1)
    emb.requires_grad_(True)
    head.relation_loss(emb, samples)
    entry = head.memory_bank_entry()
    assert set(entry) == set(head.memory_bank_spec())
    S = entry['prototypes'].shape[0]
    assert entry['prototypes'].shape == (S, 6)
    assert not entry['prototypes'].requires_grad
    assert entry['labels'].shape == entry['image'].shape == (S, )
    assert set(entry['image'].tolist()) == {0, 1}
    # tags: given for image 0, the annotated classes of image 1
    torch.testing.assert_close(entry['tags'][0],
                               torch.tensor([1.0, 0.0, 0.0, 1.0]))
    gt = samples[1].gt_sem_seg.data
    want = torch.zeros(4)
    want[gt[gt != 255].unique()] = 1
    torch.testing.assert_close(entry['tags'][1], want)
    assert head.memory_bank_entry() is None
    head.memory_bank.push(entry)  # the declared spec accepts it
    assert len(head.memory_bank) == 1


def test_head_with_bank_refuses_to_train_without_its_hook():
    g = torch.Generator().manual_seed(5)
    samples = make_samples(g, B=2)
    emb = F.normalize(torch.randn(2, 6, 4, 4, generator=g), dim=1)
    head = make_head(memory_batches=2, fed=False)
    with pytest.raises(RuntimeError) as err:
        head.relation_loss(emb, samples)
    msg = str(err.value)
    assert "dict(type='MemoryBankHook')" in msg and 'custom_hooks' in msg
    assert 'memory_batches=0' in msg
    # no bank: nothing to fill; a bank with its feeder: trains
    for kwargs in (dict(memory_batches=0, fed=False),
                   dict(memory_batches=2, fed=True)):
        losses = make_head(**kwargs).relation_loss(emb, samples)
        assert set(losses) == {f'loss_{r}' for r in LAMBDA}, kwargs
        total = sum(losses.values())
        assert torch.isfinite(total) and total > 0, kwargs
    with pytest.raises(ValueError, match='memory_batches'):
        make_head(memory_batches=-1)


def test_bad_tags_are_named():
    g = torch.Generator().manual_seed(6)
    samples = make_samples(g, B=2)
    samples[0].gt_tags = torch.ones(3)
    emb = F.normalize(torch.randn(2, 6, 4, 4, generator=g), dim=1)
    with pytest.raises(ValueError, match=r'gt_tags of sample 0.*\(4,\)'):
        make_head(memory_batches=0).relation_loss(emb, samples)


def test_head_in_encoder_decoder_and_predict():
    from mmengine import ConfigDict

    from mmwsss.registry import MODELS
    model = MODELS.build(ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', size=(16, 16)),
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8,
                      base_channels=8, out_indices=(3, ),
                      dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1)),
        decode_head=dict(
            type='SPMLHead',
            decoder=dict(type='ASPPHead', in_channels=64, in_index=0,
                         channels=16, dilations=(1, 2)),
            num_classes=4, embed_dim=8, kmeans_grid=(2, 2),
            loss_decode=dict(type='PartialCrossEntropyLoss')),
        test_cfg=dict(mode='whole')))
    model.decode_head.memory_bank.attach('test')
    g = torch.Generator().manual_seed(0)
    samples = make_samples(g, B=2, H=16, W=16)
    for s in samples:
        s.set_metainfo(dict(img_shape=(16, 16), pad_shape=(16, 16),
                            ori_shape=(16, 16)))
    imgs = torch.rand(2, 3, 16, 16, generator=g)
    losses = model.loss(imgs, samples)
    assert {'decode.loss_pce', 'decode.loss_image', 'decode.loss_annotation',
            'decode.loss_cooccurrence'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    # the classifier is trained on detached embeddings: the relation losses
    # alone move the embedding network, the classifier loss does not
    head = model.decode_head
    model.zero_grad()
    losses = model.loss(imgs, samples)
    losses['decode.loss_pce'].backward()
    assert head.conv_seg.weight.grad.abs().sum() > 0
    assert all(p.grad is None or p.grad.abs().sum() == 0
               for p in head.decoder.parameters())
    model.eval()
    with torch.no_grad():
        out = model.predict(imgs, samples)
    assert out[0].seg_logits.data.shape == (4, 16, 16)


def test_head_on_segformer_backbone_and_decoder():
    """Mixing into another mmseg model: MiT backbone + SegFormer decoder."""
    from mmengine import ConfigDict

    from mmwsss.registry import MODELS
    model = MODELS.build(ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', size=(32, 32)),
        backbone=dict(type='MixVisionTransformer', embed_dims=8,
                      num_layers=[1, 1, 1, 1], num_heads=[1, 2, 4, 8]),
        decode_head=dict(
            type='SPMLHead',
            decoder=dict(type='SegformerHead', in_channels=[8, 16, 32, 64],
                         in_index=[0, 1, 2, 3], channels=16),
            num_classes=4, embed_dim=8, kmeans_grid=(2, 2),
            loss_decode=dict(type='PartialCrossEntropyLoss')),
        test_cfg=dict(mode='whole')))
    model.decode_head.memory_bank.attach('test')
    g = torch.Generator().manual_seed(0)
    samples = make_samples(g, B=2, H=32, W=32)
    for s in samples:
        s.set_metainfo(dict(img_shape=(32, 32), pad_shape=(32, 32),
                            ori_shape=(32, 32)))
    losses = model.loss(torch.rand(2, 3, 32, 32, generator=g), samples)
    assert {'decode.loss_image', 'decode.loss_annotation'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    grads = [p.grad for p in model.backbone.parameters() if p.grad is not None]
    assert grads and sum(float(gr.abs().sum()) for gr in grads) > 0


def test_class_prototypes_moving_average_and_prediction():
    head = make_head(memory_batches=0)
    head.prototype_momentum = 0.75
    g = torch.Generator().manual_seed(4)
    emb = F.normalize(torch.randn(2, 6, 4, 4, generator=g), dim=1)
    labels = torch.full((2, 4, 4), -1)
    labels[0, 0, :2] = 1
    labels[1, 3, 3] = 1
    labels[1, 2, 0] = 3
    head.train()
    # first step: a class's prototype is its normalised mean
    head.update_class_prototypes(emb, labels)
    mean1 = F.normalize(emb[0, :, 0, 0] + emb[0, :, 0, 1] + emb[1, :, 3, 3],
                        dim=0)
    torch.testing.assert_close(head.class_prototypes[1], mean1)
    torch.testing.assert_close(head.class_prototypes[3],
                               emb[1, :, 2, 0])
    assert head.class_prototypes[[0, 2]].abs().sum() == 0
    # second step: normalised 0.75 old + 0.25 new; absent classes unchanged
    labels2 = torch.full((2, 4, 4), -1)
    labels2[0, 1, 1] = 1
    head.update_class_prototypes(emb, labels2)
    want = F.normalize(0.75 * mean1 + 0.25 * emb[0, :, 1, 1], dim=0)
    torch.testing.assert_close(head.class_prototypes[1], want)
    torch.testing.assert_close(head.class_prototypes[3], emb[1, :, 2, 0])
    # prediction: kappa * cosine; never-labelled classes are not predicted
    head.predict_with = 'prototypes'
    logits = head.classify(emb)
    assert head.prototype_kappa == KAPPA['annotation']
    torch.testing.assert_close(
        logits[1, 1, 0, 2], KAPPA['annotation'] * emb[1, :, 0, 2] @ want)
    assert (logits[:, [0, 2]] < -1e3).all()
    assert set(logits.argmax(1).unique().tolist()) <= {1, 3}
    # saved with the model
    assert 'class_prototypes' in head.state_dict()


def test_prototype_prediction_needs_prototypes():
    head = make_head(memory_batches=0)
    head.predict_with = 'prototypes'
    with pytest.raises(RuntimeError, match='spml_class_prototypes'):
        head.classify(torch.randn(1, 6, 2, 2))
    with pytest.raises(ValueError, match='predict_with'):
        SPMLHead(decoder=dict(type='FCNHead', in_channels=4, channels=8),
                 num_classes=4, predict_with='knn')


def test_training_step_updates_prototypes_from_annotations():
    head = make_head(memory_batches=0)
    head.prototype_momentum = 0.5
    g = torch.Generator().manual_seed(2)
    samples = make_samples(g, B=2, H=8, W=8, density=0.3)
    feats = [torch.randn(2, 4, 8, 8, generator=g)]
    head.train()
    head.loss(feats, samples, None)
    with torch.no_grad():
        emb = head.embed(feats)
    labels = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    for c in range(4):  # 8 x 8 labels on an 8 x 8 embedding: pixel = cell
        pix = (labels == c).nonzero()
        if len(pix):
            want = F.normalize(emb[pix[:, 0], :, pix[:, 1], pix[:, 2]].sum(0),
                               dim=0)
            torch.testing.assert_close(head.class_prototypes[c], want)


def _proto_embeddings(rank):
    g = torch.Generator().manual_seed(10 + rank)
    emb = F.normalize(torch.randn(1, 6, 3, 3, generator=g), dim=1)
    labels = torch.full((1, 3, 3), -1)
    labels[0, rank, :] = 1  # both ranks label class 1
    if rank == 1:
        labels[0, 2, 2] = 2  # only rank 1 labels class 2
    return emb, labels


def _proto_worker(rank, world, port, out_dir):
    import os
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    head = make_head(memory_batches=0)
    head.train()
    head.update_class_prototypes(*_proto_embeddings(rank))
    torch.save(head.class_prototypes, f'{out_dir}/protos{rank}.pt')
    dist.destroy_process_group()


def test_class_prototypes_are_summed_over_processes(tmp_path):
    import socket

    import torch.multiprocessing as mp
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.start_processes(_proto_worker, args=(2, port, str(tmp_path)),
                       nprocs=2, join=True, start_method='spawn')
    p0 = torch.load(tmp_path / 'protos0.pt')
    p1 = torch.load(tmp_path / 'protos1.pt')
    assert torch.equal(p0, p1)
    # the normalised sum of both ranks' labelled pixels
    (e0, l0), (e1, l1) = _proto_embeddings(0), _proto_embeddings(1)
    for c in (1, 2):
        total = e0[0].permute(1, 2, 0)[l0[0] == c].sum(0) + \
            e1[0].permute(1, 2, 0)[l1[0] == c].sum(0)
        torch.testing.assert_close(p0[c], F.normalize(total, dim=0))
    assert p0[[0, 3]].abs().sum() == 0
