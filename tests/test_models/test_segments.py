"""Segment formation against plain loops."""
import pytest
import torch
import torch.nn.functional as F

from mmwsss.models.utils import (downsample_labels, form_segments,
                                 nearest_labelled)


def test_downsample_labels_keeps_sparse_clicks():
    labels = torch.full((2, 8, 8), 255)
    labels[0, 1, 5] = 1  # one click in cell (0, 1) at stride 4 -> 2 x 2 map
    labels[0, 5, 5] = 2
    labels[0, 6, 6] = 2
    labels[0, 7, 4] = 0  # cell (1, 1): two clicks of 2, one of 0
    labels[1, :4, :4] = 0
    labels[1, 0, 0] = 2  # cell (0, 0): 15 x 0 against 1 x 2
    out = downsample_labels(labels, (2, 2), 3)
    assert out.tolist() == [[[-1, 1], [-1, 2]], [[0, -1], [-1, -1]]]
    # nearest resizing would lose the clicks
    nearest = F.interpolate(labels[:, None].float(), size=(2, 2))[:, 0]
    assert (nearest[0] == 255).all()


def test_downsample_labels_rejects_out_of_range():
    labels = torch.zeros(1, 4, 4, dtype=torch.long)
    labels[0, 0, 0] = 7
    try:
        downsample_labels(labels, (2, 2), 3)
    except ValueError as e:
        assert '[7]' in str(e)
    else:
        raise AssertionError('no error for label 7 with 3 classes')


@pytest.mark.parametrize('split', [False, True])
def test_form_segments_against_loops(split):
    g = torch.Generator().manual_seed(0)
    B, D, h, w, C = 3, 5, 6, 7, 4
    emb = F.normalize(torch.randn(B, D, h, w, generator=g), dim=1)
    emb.requires_grad_(True)
    clusters = torch.randint(0, 4, (B, h, w), generator=g)
    clusters[1, 0, 0] = -1
    overseg = torch.randint(0, 3, (B, h, w), generator=g)
    labels = torch.randint(-1, C, (B, h, w), generator=g)
    segs = form_segments(emb, clusters, labels, C, overseg, split)
    # loop: a segment per (image, cluster, over-segment) present
    groups = {}
    for b in range(B):
        for y in range(h):
            for x in range(w):
                if clusters[b, y, x] < 0:
                    assert segs.index[b, y, x] == -1
                    continue
                k = (b, int(clusters[b, y, x]), int(overseg[b, y, x]),
                     int(labels[b, y, x]) if split else None)
                groups.setdefault(k, []).append((y, x))
    assert segs.prototypes.shape[0] == len(groups)
    for (b, _, _, _), pix in groups.items():
        ids = {int(segs.index[b, y, x]) for y, x in pix}
        assert len(ids) == 1
        s = ids.pop()
        assert segs.image[s] == b
        mean = torch.stack([emb[b, :, y, x] for y, x in pix]).mean(0)
        torch.testing.assert_close(segs.prototypes[s], F.normalize(mean, dim=0))
        votes = [int(labels[b, y, x]) for y, x in pix if labels[b, y, x] >= 0]
        if votes:
            counts = [votes.count(c) for c in range(C)]
            assert segs.label[s] == counts.index(max(counts))
        else:
            assert segs.label[s] == -1
    # prototypes carry the gradient to the embeddings
    segs.prototypes.sum().backward()
    assert emb.grad.abs().sum() > 0


def test_nearest_labelled_hand_worked():
    protos = F.normalize(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1],
                                       [0.2, 0.8]]), dim=1)
    labels = torch.tensor([3, 5, -1, -1])
    assert nearest_labelled(protos, labels).tolist() == [3, 5, 3, 5]
    assert nearest_labelled(protos, torch.full((4, ), -1)).tolist() == [-1] * 4
