"""Batched spherical k-means over pixel embeddings (SegSort / SPML)."""
from typing import Tuple

import torch
import torch.nn.functional as F


def grid_init_labels(height: int, width: int, grid: Tuple[int, int],
                     device=None) -> torch.Tensor:
    """Cluster index of every pixel on a regular ``gh x gw`` grid, (H, W)."""
    gh, gw = grid
    rows = torch.div(torch.arange(height, device=device) * gh, height,
                     rounding_mode='floor')
    cols = torch.div(torch.arange(width, device=device) * gw, width,
                     rounding_mode='floor')
    return rows[:, None] * gw + cols[None, :]


def _centroids(feats, labels, num_clusters):
    # feats (B, N, D), labels (B, N) -> normalised sums (B, K, D)
    B, N, D = feats.shape
    sums = feats.new_zeros(B, num_clusters, D)
    sums.scatter_add_(1, labels.unsqueeze(-1).expand(B, N, D), feats)
    return F.normalize(sums, dim=-1)


@torch.no_grad()
def spherical_kmeans(embeddings: torch.Tensor,
                     grid: Tuple[int, int] = (6, 6),
                     num_iters: int = 10,
                     coord_weight: float = 1.0,
                     valid: torch.Tensor = None
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Spherical k-means per image, all images at once, without autograd.

    Each pixel's feature is its embedding concatenated with its spatial
    coordinates (in [-1, 1], times ``coord_weight``), normalised to unit
    length. Clusters start from a regular ``grid`` over the image; the E-step
    assigns ``z_i = argmax_s mu_s . e_i`` and the M-step sets ``mu_s`` to the
    normalised sum of its pixels' features. A cluster that loses all its
    pixels keeps a zero centroid and attracts none.

    Args:
        embeddings (Tensor): (B, D, H, W).
        grid (tuple[int, int]): Initial grid; K = gh * gw clusters
            (SPML: 6 x 6 = 36 on VOC, 12 x 12 = 144 on DensePose).
        num_iters (int): EM iterations. Defaults to 10.
        coord_weight (float): Weight of the coordinates. Defaults to 1.
        valid (Tensor, optional): (B, H, W) bool; other pixels (padding) get
            label -1 and do not count.

    Returns:
        tuple: labels (B, H, W) long in [0, K) (or -1), centroids (B, K, D+2).
    """
    B, D, H, W = embeddings.shape
    K = grid[0] * grid[1]
    dev = embeddings.device
    ys = torch.linspace(-1, 1, H, device=dev)
    xs = torch.linspace(-1, 1, W, device=dev)
    coords = torch.stack(torch.meshgrid(ys, xs, indexing='ij'), 0)
    feats = torch.cat([
        embeddings,
        coord_weight * coords.unsqueeze(0).expand(B, 2, H, W).to(embeddings)
    ], 1)
    feats = F.normalize(feats, dim=1).flatten(2).transpose(1, 2)  # B, N, D+2
    labels = grid_init_labels(H, W, grid, dev).flatten().expand(B, -1)
    if valid is not None:
        mask = valid.flatten(1).to(feats.dtype).unsqueeze(-1)
        feats = feats * mask
    centroids = _centroids(feats, labels, K)
    for _ in range(num_iters):
        labels = torch.bmm(feats, centroids.transpose(1, 2)).argmax(-1)
        centroids = _centroids(feats, labels, K)
    labels = labels.view(B, H, W)
    if valid is not None:
        labels = labels.masked_fill(~valid, -1)
    return labels, centroids
