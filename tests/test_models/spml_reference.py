"""SPML's relation losses evaluated from their definitions, pixel by pixel,
for tiny inputs: the reference of the SPMLHead tests.

Nothing here calls mmwsss: the labels at the embedding size, spherical
k-means, the segments, their prototypes and labels, the image tags, the
memory bank's concatenation, the nearest labelled segment and the four
relations of eq. 4 are written out with plain loops (numpy for the discrete
parts, scalar torch operations where the gradient is needed), from the SPML
paper (Ke et al., ICLR 2021, sec. 3 and eq. 1-4) and SPMLHead's docstring:

- a cell of the embedding takes the majority label of the labelled pixels
  under it (ties: smaller class);
- k-means: features ``[e, cw * y, cw * x]`` normalised (coordinates evenly
  spaced in [-1, 1]), clusters initialised on a regular grid, then
  ``num_iters`` rounds of (centroid = normalised sum of its features;
  z_i = argmax over the clusters that have pixels of mu' f_i);
- segments = pixels of one image sharing a cluster and an over-segment (and
  a label with ``split_by_labels``), prototype = normalised sum of the
  embeddings, label = majority of its labelled pixels;
- tags = ``gt_tags`` or the classes annotated in the image;
- eq. 3 with the sets V, C, O, A of sec. 3.
"""
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

LAMBDA = dict(image=0.3, annotation=1.0, cooccurrence=0.5, affinity=0.7)
KAPPA = dict(image=16.0, annotation=6.0, cooccurrence=12.0, affinity=9.0)
NUM_CLASSES = 4
EMBED_DIM = 6
GRID = (2, 2)
ITERS = 3
COORD_WEIGHT = 0.3  # low enough that k-means moves off its grid
IGNORE = 255
COOCCURRENCE_IGNORE = (0, )


def make_head(memory_batches=2, fed=True, **kwargs):
    """A small SPMLHead with all four relations (kappa, lambda above); a bank
    marked as filled unless ``fed=False``."""
    from mmwsss.models import SPMLHead
    loss = {f'loss_{r}': dict(type='SegSortPlusLoss', kappa=KAPPA[r],
                              loss_weight=LAMBDA[r], chunk_size=7)
            for r in LAMBDA}
    head = SPMLHead(
        decoder=dict(type='FCNHead', in_channels=4, channels=8, num_convs=1,
                     concat_input=False),
        num_classes=NUM_CLASSES, embed_dim=EMBED_DIM, kmeans_grid=GRID,
        kmeans_iters=ITERS, coord_weight=COORD_WEIGHT,
        cooccurrence_ignore=COOCCURRENCE_IGNORE,
        memory_batches=memory_batches, **loss, **kwargs)
    if fed and head.memory_bank is not None:
        head.memory_bank.attach('test')
    return head


def make_samples(g, B=3, H=10, W=12, density=0.15):
    """Random sparse labels (``density`` of the pixels), four rectangular
    over-segments, image tags given for the first image only."""
    samples = []
    for b in range(B):
        gt = torch.full((1, H, W), IGNORE)
        mask = torch.rand(H, W, generator=g) < density
        gt[0][mask] = torch.randint(0, NUM_CLASSES, (int(mask.sum()), ),
                                    generator=g)
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=gt)
        s.gt_superpixels = PixelData(
            data=(torch.arange(W)[None, None].expand(1, H, W) >= W // 2
                  ).long() + 2 * (torch.arange(H)[None, :, None] >= H // 2))
        if b == 0:
            s.gt_tags = torch.tensor([1.0, 0.0, 0.0, 1.0])
        samples.append(s)
    return samples


def bank_entries(g, dtype=torch.double):
    """Two entries as a memory bank holds them (values exact in float32)."""
    def unit(n):
        return F.normalize(torch.randn(n, EMBED_DIM, generator=g),
                           dim=1).to(dtype)
    return [
        dict(prototypes=unit(5), labels=torch.tensor([0, 3, -1, 1, 3]),
             image=torch.tensor([0, 0, 1, 1, 1]),
             tags=torch.tensor([[1.0, 0, 0, 1], [1.0, 1, 0, 0]])),
        dict(prototypes=unit(3), labels=torch.tensor([2, -1, 2]),
             image=torch.tensor([1, 0, 1]),
             tags=torch.tensor([[0.0, 0, 1, 0], [1.0, 0, 1, 1]])),
    ]


def _majority(votes):
    counts = [votes.count(c) for c in range(NUM_CLASSES)]
    return counts.index(max(counts))


def labels_at(gt, h, w):
    """(h, w) labels of an (H, W) label map: a cell's majority, -1 if none."""
    H, W = gt.shape
    out = np.full((h, w), -1)
    for y in range(h):
        for x in range(w):
            votes = [int(gt[Y, X]) for Y in range(H) for X in range(W)
                     if Y * h // H == y and X * w // W == x
                     and gt[Y, X] != IGNORE]
            if votes:
                out[y, x] = _majority(votes)
    return out


def kmeans(e, grid=GRID, iters=ITERS, coord_weight=COORD_WEIGHT):
    """Cluster of every pixel of one image, e (D, h, w) numpy."""
    _, h, w = e.shape
    gh, gw = grid
    ys, xs = np.linspace(-1, 1, h), np.linspace(-1, 1, w)
    pixels = [(y, x) for y in range(h) for x in range(w)]
    feats = {}
    for y, x in pixels:
        f = np.concatenate([e[:, y, x], coord_weight * np.array([ys[y],
                                                                 xs[x]])])
        feats[y, x] = f / np.linalg.norm(f)
    z = {(y, x): (y * gh // h) * gw + x * gw // w for y, x in pixels}
    for _ in range(iters):
        cents = {}
        for k in range(gh * gw):
            members = [feats[p] for p in pixels if z[p] == k]
            if members:
                s = np.sum(members, axis=0)
                cents[k] = s / np.linalg.norm(s)
        # first maximum: the smaller cluster index on ties
        z = {p: max(cents, key=lambda k: float(feats[p] @ cents[k]))
             for p in pixels}
    return z


def naive_relation_losses(emb, samples, bank=(), split_by_labels=False):
    """Each relation's lambda_r * mean_i eq. 3, every set built per pixel.

    Args:
        emb (Tensor): (B, D, h, w) unit embeddings (with gradient).
        samples (list[SegDataSample]): ``gt_sem_seg``, ``gt_superpixels``,
            optionally ``gt_tags``.
        bank (list[dict]): Memory bank entries, oldest first.
        split_by_labels (bool): Segments also cut by the labels.

    Returns:
        dict[str, Tensor]: relation -> weighted mean loss.
    """
    B, _, h, w = emb.shape
    e_np = emb.detach().numpy()
    # per image: labels and over-segments at the embedding size, clusters
    labels, overseg, clusters, tags = [], [], [], []
    for b, s in enumerate(samples):
        gt = s.gt_sem_seg.data[0].numpy()
        H, W = gt.shape
        labels.append(labels_at(gt, h, w))
        sp = s.gt_superpixels.data[0].numpy()
        overseg.append(np.array([[sp[y * H // h, x * W // w]
                                  for x in range(w)] for y in range(h)]))
        clusters.append(kmeans(e_np[b]))
        if 'gt_tags' in s:
            tags.append([float(v) for v in s.gt_tags])
        else:
            present = set(int(v) for v in gt.flatten() if v != IGNORE)
            tags.append([float(c in present) for c in range(NUM_CLASSES)])
    # segments of the batch
    groups = {}
    for b in range(B):
        for y in range(h):
            for x in range(w):
                key = (b, clusters[b][y, x], int(overseg[b][y, x]),
                       int(labels[b][y, x]) if split_by_labels else None)
                groups.setdefault(key, []).append((y, x))
    seg_of, protos, seg_lab, seg_img = {}, [], [], []
    for t, (key, pix) in enumerate(groups.items()):
        b = key[0]
        for y, x in pix:
            seg_of[b, y, x] = t
        total = sum(emb[b, :, y, x] for y, x in pix)
        protos.append(total / total.norm())
        votes = [int(labels[b][y, x]) for y, x in pix if labels[b][y, x] >= 0]
        seg_lab.append(_majority(votes) if votes else -1)
        seg_img.append(b)
    S = len(protos)
    # the memory bank's segments after the batch's, images after the batch's
    num_images = B
    for entry in bank:
        for p, lab, img in zip(entry['prototypes'], entry['labels'].tolist(),
                               entry['image'].tolist()):
            protos.append(p.to(emb))
            seg_lab.append(lab)
            seg_img.append(num_images + img)
        tags.extend(entry['tags'].tolist())
        num_images += len(entry['tags'])
    T = len(protos)
    # feature affinity: unlabelled segments take the nearest labelled label
    P = np.stack([p.detach().numpy() for p in protos])
    labelled = [t for t in range(T) if seg_lab[t] >= 0]
    expanded = list(seg_lab)
    for t in range(T):
        if seg_lab[t] < 0 and labelled:
            sims = [float(P[t] @ P[u]) for u in labelled]
            expanded[t] = seg_lab[labelled[int(np.argmax(sims))]]
    ctx = np.array(tags)
    ctx[:, list(COOCCURRENCE_IGNORE)] = 0

    def term(e, pos, cand, kappa):
        if not pos:
            return None
        num = sum(torch.exp(kappa * protos[t] @ e) for t in pos)
        den = sum(torch.exp(kappa * protos[t] @ e) for t in cand)
        return -torch.log(num / den)

    per_rel = {r: [] for r in LAMBDA}
    for b in range(B):
        for y in range(h):
            for x in range(w):
                s = seg_of[b, y, x]
                e = emb[b, :, y, x]
                ann = int(labels[b][y, x])
                # V: own segment against the other segments of the image
                same = [t for t in range(S) if seg_img[t] == b]
                per_rel['image'].append(term(e, [s], same, KAPPA['image']))
                others = [t for t in range(T) if t != s]
                # C and A: the pixel's label, else its segment's
                for r, lab_of in (('annotation', seg_lab),
                                  ('affinity', expanded)):
                    yi = ann if ann >= 0 else lab_of[s]
                    if yi < 0:
                        continue
                    cand = [t for t in others if lab_of[t] >= 0]
                    pos = [t for t in cand if lab_of[t] == yi]
                    per_rel[r].append(term(e, pos, cand, KAPPA[r]))
                # O: segments of images sharing a class (or the own image)
                pos = [t for t in others if seg_img[t] == b
                       or float(ctx[b] @ ctx[seg_img[t]]) > 0]
                per_rel['cooccurrence'].append(
                    term(e, pos, others, KAPPA['cooccurrence']))
    out = {}
    for r, vals in per_rel.items():
        vals = [v for v in vals if v is not None]
        out[r] = LAMBDA[r] * sum(vals) / max(len(vals), 1)
    return out
