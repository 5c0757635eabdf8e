import torch
import torch.nn.functional as F

from mmwsss.models.utils import (cam_labels_from_boxes, cam_labels_from_tags,
                                 spherical_kmeans)


def naive_kmeans(emb, grid, iters, coord_weight=1.0):
    # one image, plain loops over clusters and pixels
    D, H, W = emb.shape
    gh, gw = grid
    feats, init = [], []
    for y in range(H):
        for x in range(W):
            cy = -1 + 2 * y / (H - 1)
            cx = -1 + 2 * x / (W - 1)
            f = torch.cat([emb[:, y, x],
                           torch.tensor([cy, cx]) * coord_weight])
            feats.append(f / f.norm())
            init.append((y * gh // H) * gw + (x * gw // W))
    K = gh * gw

    def centroids(labels):
        cs = []
        for k in range(K):
            s = sum((f for f, l in zip(feats, labels) if l == k),
                    torch.zeros(D + 2))
            cs.append(s / s.norm() if s.norm() > 0 else s)
        return cs

    labels = init
    cs = centroids(labels)
    for _ in range(iters):
        labels = [max(range(K), key=lambda k: float(cs[k] @ f)) for f in feats]
        cs = centroids(labels)
    return torch.tensor(labels).view(H, W), torch.stack(cs)


def test_kmeans_matches_plain_loop_for_every_image():
    g = torch.Generator().manual_seed(0)
    emb = F.normalize(torch.randn(3, 4, 7, 9, generator=g, dtype=torch.double),
                      dim=1)
    labels, cents = spherical_kmeans(emb, grid=(2, 3), num_iters=5)
    assert labels.shape == (3, 7, 9) and cents.shape == (3, 6, 6)
    for b in range(3):
        ref_labels, ref_cents = naive_kmeans(emb[b], (2, 3), 5)
        assert torch.equal(labels[b], ref_labels)
        torch.testing.assert_close(cents[b], ref_cents)


def test_kmeans_no_autograd_and_padding():
    emb = torch.randn(1, 4, 6, 6, requires_grad=True)
    valid = torch.ones(1, 6, 6, dtype=torch.bool)
    valid[:, :, 4:] = False
    labels, cents = spherical_kmeans(emb, grid=(2, 2), valid=valid)
    assert not cents.requires_grad
    assert (labels[valid] >= 0).all() and (labels[~valid] == -1).all()


def test_cam_labels_from_tags_hand_computed():
    cams = torch.tensor([[[[2.0, 1.0, 0.0, 0.6]], [[0.0, 0.0, 4.0, 0.0]]]])
    tags = torch.tensor([[1, 0]])  # class 2 is not in the image
    # class 1 normalised: [1, .5, 0, .3]; class 2 masked out
    # alpha 6: bg = (1 - m)^6 = [0, .0156, 1, .1176]
    out = cam_labels_from_tags(cams, tags, alpha=6, threshold=0.2)
    assert out.tolist() == [[[1, 1, 0, 1]]]
    # alpha 2: bg = [0, .25, 1, .49]; threshold 0.6 leaves 0.5 and 0.49 out
    out = cam_labels_from_tags(cams, tags, alpha=2, threshold=0.6)
    assert out.tolist() == [[[1, 255, 0, 255]]]


def test_cam_labels_from_boxes_hand_computed():
    cams = torch.zeros(2, 4, 6)
    cams[1] = torch.arange(24.0).view(4, 6)  # class 2
    boxes = torch.tensor([[1.0, 0.0, 5.0, 4.0]])  # columns 1..4, rows 0..3
    out = cam_labels_from_boxes(cams, boxes, torch.tensor([2]))
    # inside: values 6r + c, min 1, max 22 -> (v - 1) / 21 >= .5 <=> v >= 11.5
    expected = torch.zeros(4, 6, dtype=torch.long)
    for r in range(4):
        for c in range(1, 5):
            expected[r, c] = 2 if 6 * r + c >= 11.5 else 255
    assert torch.equal(out, expected)
