import math

import pytest
import torch

from mmwsss.models.utils.visual_words import VisualWordsEncoder
from mmwsss.registry import MODELS


def naive(feats, codebook):
    b, d, h, w = feats.shape
    k = codebook.shape[0]
    assign = torch.zeros(b, k, h, w, dtype=torch.float64)
    labels = torch.zeros(b, k, dtype=torch.float64)
    for n in range(b):
        words = set()
        for y in range(h):
            for x in range(w):
                f = feats[n, :, y, x].tolist()
                nf = math.sqrt(sum(v * v for v in f))
                cos = []
                for j in range(k):
                    c = codebook[j].tolist()
                    nc = math.sqrt(sum(v * v for v in c))
                    cos.append(sum(a * e for a, e in zip(f, c)) / (nf * nc))
                ex = [math.exp(s) for s in cos]
                for j in range(k):
                    assign[n, j, y, x] = ex[j] / sum(ex)
                words.add(max(range(k), key=lambda j: cos[j]))
        for j in words:
            labels[n, j] = 1.0
    return assign, assign.mean(dim=(2, 3)), labels


def test_matches_naive_per_pixel():
    torch.manual_seed(0)
    enc = VisualWordsEncoder(in_channels=4, num_words=6)
    feats = torch.randn(2, 4, 3, 5)
    out = enc(feats)
    assign, hist, labels = naive(feats, enc.codebook.detach())
    assert out['assign'].shape == (2, 6, 3, 5)
    assert out['hist'].shape == (2, 6)
    torch.testing.assert_close(out['assign'].double(), assign)
    torch.testing.assert_close(out['hist'].double(), hist)
    assert out['word_labels'].dtype == feats.dtype
    assert torch.equal(out['word_labels'].double(), labels)


def test_hist_and_word_labels():
    torch.manual_seed(1)
    enc = MODELS.build(dict(type='VisualWordsEncoder', in_channels=8))
    assert enc.codebook.shape == (256, 8)
    feats = torch.randn(3, 8, 4, 4, requires_grad=True)
    out = enc(feats)
    torch.testing.assert_close(out['hist'].sum(dim=1), torch.ones(3))
    assert out['assign'].requires_grad and out['hist'].requires_grad
    assert not out['word_labels'].requires_grad
    assert out['word_labels'].grad_fn is None
    for n in range(3):
        winners = set(out['assign'][n].argmax(dim=0).flatten().tolist())
        present = set(out['word_labels'][n].nonzero().flatten().tolist())
        assert present == winners
        assert set(out['word_labels'][n].unique().tolist()) <= {0.0, 1.0}


def test_gradient_reaches_codebook_through_hist():
    torch.manual_seed(2)
    enc = VisualWordsEncoder(in_channels=5, num_words=7)
    feats = torch.randn(2, 5, 3, 3, requires_grad=True)
    weights = torch.randn(7)
    (enc(feats)['hist'] * weights).sum().backward()
    assert enc.codebook.grad is not None
    assert enc.codebook.grad.abs().sum() > 0
    assert feats.grad.abs().sum() > 0


def test_errors():
    enc = VisualWordsEncoder(in_channels=4, num_words=3)
    with pytest.raises(ValueError, match='in_channels'):
        enc(torch.randn(1, 5, 2, 2))
    with pytest.raises(ValueError):
        enc(torch.randn(4, 2, 2))
    for kwargs in (dict(in_channels=0), dict(in_channels=4, num_words=0),
                   dict(in_channels=4, num_words=2.0)):
        with pytest.raises(ValueError):
            VisualWordsEncoder(**kwargs)


def test_temperature_divides_the_cosines():
    torch.manual_seed(0)
    enc = VisualWordsEncoder(in_channels=4, num_words=5, temperature=0.1)
    feats = torch.randn(1, 4, 2, 3)
    out = enc(feats)
    f = feats[0, :, 1, 2]
    cos = torch.stack([
        torch.dot(f, w) / (f.norm() * w.norm()) for w in enc.codebook
    ])
    expected = torch.exp(cos / 0.1) / torch.exp(cos / 0.1).sum()
    assert torch.allclose(out['assign'][0, :, 1, 2], expected, atol=1e-5)
    # sharper than the paper's softmax, same arg-max words
    plain = VisualWordsEncoder(in_channels=4, num_words=5)
    plain.codebook.data.copy_(enc.codebook.data)
    assert torch.equal(plain(feats)['word_labels'], out['word_labels'])
    assert out['assign'].amax(1).mean() > plain(feats)['assign'].amax(1).mean()
    with pytest.raises(ValueError, match='temperature'):
        VisualWordsEncoder(in_channels=4, temperature=0)
