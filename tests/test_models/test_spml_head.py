"""SPMLHead: the four relations against a per-pixel evaluation of eq. 2-4,
the memory bank's segments, and the head on an mmseg model."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmwsss.models import SPMLHead
from mmwsss.models.utils import nearest_labelled
from mmwsss.utils import register_all_modules

register_all_modules()

LAMBDA = dict(image=0.3, annotation=1.0, cooccurrence=0.5, affinity=0.7)
KAPPA = dict(image=16.0, annotation=6.0, cooccurrence=12.0, affinity=9.0)


def make_head(memory_batches=2):
    loss = {f'loss_{r}': dict(type='SegSortPlusLoss', kappa=KAPPA[r],
                              loss_weight=LAMBDA[r], chunk_size=7)
            for r in LAMBDA}
    return SPMLHead(
        decoder=dict(type='FCNHead', in_channels=4, channels=8, num_convs=1,
                     concat_input=False),
        num_classes=4, embed_dim=6, kmeans_grid=(2, 2), kmeans_iters=3,
        cooccurrence_ignore=(0, ), memory_batches=memory_batches, **loss)


def make_samples(g, B=3, H=8, W=8):
    samples = []
    for b in range(B):
        gt = torch.full((1, H, W), 255)
        mask = torch.rand(H, W, generator=g) < 0.3
        gt[0][mask] = torch.randint(0, 4, (int(mask.sum()), ), generator=g)
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=gt)
        s.gt_superpixels = PixelData(
            data=(torch.arange(W)[None, None].expand(1, H, W) >= W // 2
                  ).long() + 2 * (torch.arange(H)[None, :, None] >= 5))
        if b == 0:  # image tags given for one image; derived for the others
            s.gt_tags = torch.tensor([1.0, 0.0, 0.0, 1.0])
        samples.append(s)
    return samples


def naive_loss(emb, head, samples, bank=None):
    """eq. 4 = sum_r lambda_r mean_i eq. 3, sets built pixel by pixel."""
    segs, labels, tags = head.segments_of_batch(emb, samples)
    B, _, h, w = emb.shape
    protos, seg_lab, seg_img, all_tags = (segs.prototypes, segs.label,
                                          segs.image, tags)
    if bank is not None:
        protos = torch.cat([protos, bank['prototypes']])
        seg_lab = torch.cat([seg_lab, bank['labels']])
        seg_img = torch.cat([seg_img, bank['image'] + B])
        all_tags = torch.cat([tags, bank['tags']])
    S, T = segs.prototypes.shape[0], protos.shape[0]
    expanded = nearest_labelled(protos.detach(), seg_lab)
    ctx = all_tags.clone()
    ctx[:, 0] = 0
    per_rel = {r: [] for r in LAMBDA}

    def term(e, pos, cand, kappa):
        if not pos:
            return None
        num = sum(torch.exp(kappa * protos[t] @ e) for t in pos)
        den = sum(torch.exp(kappa * protos[t] @ e) for t in cand)
        return -torch.log(num / den)

    for b in range(B):
        for y in range(h):
            for x in range(w):
                s = int(segs.index[b, y, x])
                e = emb[b, :, y, x]
                ann = int(labels[b, y, x])
                # low-level: own segment vs the others of the same image
                same = [t for t in range(S) if seg_img[t] == b]
                per_rel['image'].append(term(e, [s], same, KAPPA['image']))
                others = [t for t in range(T) if t != s]
                for r, lab_of in (('annotation', seg_lab),
                                  ('affinity', expanded)):
                    yi = ann if ann >= 0 else int(lab_of[s])
                    if yi < 0:
                        continue
                    cand = [t for t in others if lab_of[t] >= 0]
                    pos = [t for t in cand if lab_of[t] == yi]
                    per_rel[r].append(term(e, pos, cand, KAPPA[r]))
                pos = [t for t in others if seg_img[t] == b or
                       float(ctx[b] @ ctx[seg_img[t]]) > 0]
                per_rel['cooccurrence'].append(
                    term(e, pos, others, KAPPA['cooccurrence']))
    total = 0
    for r, vals in per_rel.items():
        vals = [v for v in vals if v is not None]
        total = total + LAMBDA[r] * sum(vals) / max(len(vals), 1)
    return total


@pytest.mark.parametrize('with_bank', [False, True])
def test_relations_match_per_pixel_equations(with_bank):
    g = torch.Generator().manual_seed(1)
    head = make_head().double()
    samples = make_samples(g)
    raw = torch.randn(3, 6, 4, 4, generator=g, dtype=torch.double)
    bank = None
    if with_bank:
        n = 5
        bank = dict(
            prototypes=F.normalize(torch.randn(n, 6, generator=g,
                                               dtype=torch.double), dim=1),
            labels=torch.tensor([0, 3, -1, 1, 3]),
            image=torch.tensor([0, 0, 1, 1, 1]),
            tags=torch.tensor([[1.0, 0, 0, 1], [1.0, 1, 0, 0]],
                              dtype=torch.double))
        head.memory_bank.push(bank)
    raw1 = raw.clone().requires_grad_(True)
    losses = head.relation_loss(F.normalize(raw1, dim=1), samples)
    assert set(losses) == {f'loss_{r}' for r in LAMBDA}
    got = sum(losses.values())
    got.backward()
    raw2 = raw.clone().requires_grad_(True)
    want = naive_loss(F.normalize(raw2, dim=1), head, samples, bank)
    want.backward()
    assert abs(got.item() - want.item()) < 1e-9
    torch.testing.assert_close(raw1.grad, raw2.grad)
    # the batch's segments wait for the hook
    assert head.pending_entry['prototypes'].shape[1] == 6
    assert not head.pending_entry['prototypes'].requires_grad


def test_memory_bank_keeps_last_batches():
    from mmwsss.models.utils import PrototypeMemoryBank
    bank = PrototypeMemoryBank(2)

    def entry(v, n, i):
        return dict(prototypes=torch.full((n, 2), float(v)),
                    labels=torch.full((n, ), v), image=torch.arange(n) % i,
                    tags=torch.ones(i, 3))

    for v, (n, i) in enumerate([(3, 1), (2, 2), (4, 2)]):
        bank.push(entry(v, n, i))
    got = bank.get()
    assert got['labels'].tolist() == [1, 1, 2, 2, 2, 2]
    # image indices of the second entry are offset by the first's 2 images
    assert got['image'].tolist() == [0, 1, 2, 3, 2, 3]
    assert got['tags'].shape == (4, 3)
    clone = PrototypeMemoryBank(5)
    clone.load_state_dict(bank.state_dict())
    assert clone.num_batches == 2
    assert torch.equal(clone.get()['prototypes'], got['prototypes'])


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
    samples = make_samples(g, B=2)
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
