"""Segments for pixel-to-segment contrastive learning (SegSort / SPML).

A segment is a set of pixels of one image that share a k-means cluster and a
low-level over-segment (superpixel); its prototype is the normalised mean of
its pixels' embeddings and its label the majority among its labelled pixels.
Everything is computed for the whole batch at once with integer keys,
``torch.unique`` and scatter sums: no loop over images or segments.
"""
from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F


def downsample_labels(labels: torch.Tensor, size, num_classes: int,
                      ignore_index: int = 255) -> torch.Tensor:
    """Majority label of the labelled pixels under each cell of ``size``.

    Nearest-neighbour resizing would drop most clicks and thin scribbles at
    stride 8; here a cell is labelled when any pixel under it is (ties go to
    the smaller class index).

    Args:
        labels (Tensor): (B, H, W) long, ``ignore_index`` = unlabelled.
        size (tuple[int, int]): (h, w) of the output.
        num_classes (int): Number of classes.

    Returns:
        Tensor: (B, h, w) long, -1 where unlabelled.
    """
    B, H, W = labels.shape
    h, w = size
    dev = labels.device
    ys = torch.div(torch.arange(H, device=dev) * h, H, rounding_mode='floor')
    xs = torch.div(torch.arange(W, device=dev) * w, W, rounding_mode='floor')
    cell = (ys[:, None] * w + xs[None, :]).expand(B, H, W)
    cell = cell + torch.arange(B, device=dev)[:, None, None] * (h * w)
    ok = (labels != ignore_index) & (labels >= 0) & (labels < num_classes)
    if ((labels != ignore_index) & ~ok).any():
        bad = labels[(labels != ignore_index) & ~ok].unique().tolist()
        raise ValueError(f'label values {bad} are outside [0, {num_classes}) '
                         f'and are not the ignore index {ignore_index}')
    counts = torch.zeros(B * h * w * num_classes, device=dev,
                         dtype=torch.long)
    counts.index_add_(0, cell[ok] * num_classes + labels[ok],
                      torch.ones_like(labels[ok]))
    counts = counts.view(B * h * w, num_classes)
    best = counts.argmax(1)
    return torch.where(counts.amax(1) > 0, best, -1).view(B, h, w)


def class_embedding_sums(embeddings: torch.Tensor, labels: torch.Tensor,
                         num_classes: int):
    """Per-class sums of the labelled pixels' embeddings and their counts.

    Args:
        embeddings (Tensor): (B, D, h, w).
        labels (Tensor): (B, h, w) long, -1 = unlabelled.
        num_classes (int): Number of classes.

    Returns:
        tuple: sums (C, D) and counts (C,) (float, the dtype of the
        embeddings).
    """
    D = embeddings.shape[1]
    ok = labels >= 0
    emb = embeddings.permute(0, 2, 3, 1)[ok]
    lab = labels[ok]
    sums = emb.new_zeros(num_classes, D).index_add_(0, lab, emb)
    counts = emb.new_zeros(num_classes).index_add_(
        0, lab, emb.new_ones(lab.shape))
    return sums, counts


class Segments(NamedTuple):
    """The segments of a batch.

    Attributes:
        index (Tensor): (B, h, w) long segment of every pixel (-1 = none).
        image (Tensor): (S,) long image of every segment.
        label (Tensor): (S,) long majority label (-1 = unlabelled).
        prototypes (Tensor): (S, D) unit mean embeddings (with gradient).
    """
    index: torch.Tensor
    image: torch.Tensor
    label: torch.Tensor
    prototypes: torch.Tensor


def form_segments(embeddings: torch.Tensor,
                  clusters: torch.Tensor,
                  labels: torch.Tensor,
                  num_classes: int,
                  oversegments: Optional[torch.Tensor] = None,
                  split_by_labels: bool = False) -> Segments:
    """Intersect clusters with over-segments (and labels); vote labels;
    prototypes.

    Args:
        embeddings (Tensor): (B, D, h, w) unit embeddings.
        clusters (Tensor): (B, h, w) long k-means clusters (-1 = no pixel).
        labels (Tensor): (B, h, w) long labels (-1 = unlabelled).
        num_classes (int): Number of classes.
        oversegments (Tensor, optional): (B, h, w) long low-level regions
            (-1 = none); None uses the clusters alone.
        split_by_labels (bool): Also intersect with the label map (the
            unlabelled pixels of a cluster form one more segment), so every
            segment is pure; right for dense pseudo-labels (CAMs, DensePose
            Gaussians). False lets sparse clicks and strokes label the whole
            segment they fall in by majority vote.

    Returns:
        Segments: see :class:`Segments`.
    """
    B, D, h, w = embeddings.shape
    dev = embeddings.device
    valid = clusters >= 0
    key = clusters.clamp(min=0)
    if oversegments is not None:
        valid &= oversegments >= 0
        span = int(oversegments.max().clamp(min=0)) + 1
        key = key * span + oversegments.clamp(min=0)
    if split_by_labels:
        key = key * (num_classes + 1) + (labels + 1).clamp(min=0)
    span = int(key.max()) + 1 if key.numel() else 1
    key = key + torch.arange(B, device=dev)[:, None, None] * span
    uniq, inverse = torch.unique(key[valid], return_inverse=True)
    S = uniq.numel()
    index = torch.full_like(key, -1)
    index[valid] = inverse
    image = torch.div(uniq, span, rounding_mode='floor')
    # majority label among each segment's labelled pixels
    lab = labels[valid]
    has = lab >= 0
    counts = torch.zeros(S * num_classes, device=dev, dtype=torch.long)
    counts.index_add_(0, inverse[has] * num_classes + lab[has],
                      torch.ones_like(lab[has]))
    counts = counts.view(S, num_classes)
    label = torch.where(counts.amax(1) > 0, counts.argmax(1), -1)
    # prototypes: normalised sums of the embeddings (autograd flows through)
    emb = embeddings.permute(0, 2, 3, 1)[valid]  # (P, D)
    sums = emb.new_zeros(S, D).index_add(0, inverse, emb)
    return Segments(index, image, label, F.normalize(sums, dim=1))


def nearest_labelled(prototypes: torch.Tensor, labels: torch.Tensor
                     ) -> torch.Tensor:
    """Labels with every unlabelled segment given the label of its nearest
    labelled segment in feature space (SPML's feature affinity).

    Args:
        prototypes (Tensor): (S, D) unit prototypes.
        labels (Tensor): (S,) long, -1 = unlabelled.

    Returns:
        Tensor: (S,) long; unchanged when no segment is labelled.
    """
    known = labels >= 0
    if not known.any() or known.all():
        return labels.clone()
    with torch.no_grad():
        sim = prototypes[~known] @ prototypes[known].t()
        nearest = sim.argmax(1)
    out = labels.clone()
    out[~known] = labels[known][nearest]
    return out
