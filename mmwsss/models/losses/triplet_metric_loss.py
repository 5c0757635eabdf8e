"""PDML's cross-image triplet loss on annotated points (Qian et al., AAAI'19,
eqs. 3-5 and Alg. 1).

For every ordered pair of different images (n, m) of a batch and every
annotated point ``a`` of image n, the points of image m with the label of
``a`` (positives) and those with another label (negatives) are shuffled and
paired in order, which gives ``min(#pos, #neg)`` triplets ``(a, p, n)``; no
triplet is formed within one image. Each triplet scores

    L_t(a, p, n) = alpha * ||a - p|| + beta * max(||a - p|| - ||a - n|| + m, 0)

on the raw (not normalised) embeddings, and the loss is the mean over all
triplets. The triplets are drawn afresh at every call; the draw is not
differentiable, and the gradient flows into all three embeddings.
"""
from typing import Optional, Tuple

import torch
import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.dist import get_rank, get_world_size

from mmwsss.registry import MODELS
from ..utils.memory_bank import BankField, all_gather_entry


def _check_inputs(embeddings: Optional[torch.Tensor], labels: torch.Tensor,
                  image_ids: torch.Tensor) -> None:
    for name, t in (('labels', labels), ('image_ids', image_ids)):
        if t.dim() != 1:
            raise ValueError(f'{name} must be a (P, ) tensor, got shape '
                             f'{tuple(t.shape)}')
        if t.dtype.is_floating_point or t.dtype.is_complex or \
                t.dtype == torch.bool:
            raise ValueError(f'{name} must be an integer tensor, got '
                             f'{t.dtype}')
    if labels.shape != image_ids.shape:
        raise ValueError(f'labels shape {tuple(labels.shape)} does not match '
                         f'image_ids shape {tuple(image_ids.shape)}')
    if embeddings is None:
        return
    if embeddings.dim() != 2:
        raise ValueError('embeddings must be a (P, D) tensor, got shape '
                         f'{tuple(embeddings.shape)}')
    if not embeddings.dtype.is_floating_point:
        raise ValueError(
            f'embeddings must be floating point, got {embeddings.dtype}')
    if embeddings.shape[0] != labels.shape[0]:
        raise ValueError(
            f'embeddings have {embeddings.shape[0]} points (shape '
            f'{tuple(embeddings.shape)}) but labels and image_ids '
            f'{labels.shape[0]}')


def sample_triplets(labels: torch.Tensor,
                    image_ids: torch.Tensor,
                    generator: Optional[torch.Generator] = None
                    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw PDML's cross-image triplets of a batch of annotated points.

    Every candidate pair (anchor ``a``, point ``j`` of another image) falls
    in a group ``(a, image(j), j is a negative of a)``. All pairs are sorted
    at once by ``group + key`` with an independent uniform random key per
    pair, which shuffles each group (independently for every anchor); the
    rank of a pair in its group follows from the group's start offset (an
    exclusive cumulative sum of the group sizes). The k-th positive of a
    group is paired with the k-th negative of the same anchor and partner
    image, for ``k < min(#pos, #neg)``. Everything is tensor operations on
    (P, P) matrices: O(P^2) time and memory in the number P of annotated
    points (not pixels), with no Python loop.

    Args:
        labels (Tensor): (P, ) class of each annotated point (integer).
        image_ids (Tensor): (P, ) image of each point (integer, any values;
            equal values are one image).
        generator (torch.Generator, optional): Random generator of the
            shuffles. Defaults to the global one of the labels' device.

    Returns:
        tuple[Tensor]: Indices ``(anchor, positive, negative)`` into the
        points, each (T, ) long, in no particular order.
    """
    _check_inputs(None, labels, image_ids)
    num = labels.shape[0]
    device = labels.device
    if num == 0:
        empty = torch.zeros(0, dtype=torch.long, device=device)
        return empty, empty.clone(), empty.clone()
    image = torch.unique(image_ids, return_inverse=True)[1]
    num_images = int(image.max()) + 1
    other = image[:, None] != image[None, :]
    is_neg = (labels[:, None] != labels[None, :]).long()
    # group 2 * m: positives in image m, 2 * m + 1: negatives in image m;
    # 2 * num_images: same image (never used). 2 * num_images + 1 stays
    # empty, so that "the negatives of a group" is defined for every group.
    trash = 2 * num_images
    group = torch.where(other, 2 * image[None, :] + is_neg,
                        torch.full_like(is_neg, trash))
    key_device = device if generator is None else generator.device
    keys = torch.rand((num, num), generator=generator, dtype=torch.float64,
                      device=key_device).to(device)
    # group <= 2 * num_images, so a float64 key keeps > 40 random bits
    order = (group.double() + keys).argsort(dim=1)
    del keys
    sorted_group = group.gather(1, order)
    counts = torch.zeros((num, trash + 2), dtype=torch.long, device=device)
    counts.scatter_add_(1, group, torch.ones_like(group))
    starts = counts.cumsum(1) - counts
    rank = torch.arange(num, device=device)[None, :] - \
        starts.gather(1, sorted_group)
    num_neg = counts.gather(1, sorted_group + 1)
    keep = (sorted_group < trash) & (sorted_group % 2 == 0) & \
        (rank < num_neg)
    anchor, col = keep.nonzero(as_tuple=True)
    positive = order[anchor, col]
    neg_col = starts[anchor, sorted_group[anchor, col] + 1] + rank[anchor, col]
    negative = order[anchor, neg_col]
    return anchor, positive, negative


def _pair_distances(embeddings: torch.Tensor, first: torch.Tensor,
                    second: torch.Tensor) -> torch.Tensor:
    """Euclidean distances of the point pairs ``(first[t], second[t])``.

    They come from the (P, P) Gram matrix of the centred embeddings (no
    (T, D) tensor), with a square root whose gradient is 0, not NaN, at a
    distance of 0. Half precision is computed in float32.
    """
    x = embeddings
    if x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    # distances do not depend on the centre: detaching it changes nothing
    # but the rounding error of the Gram matrix
    x = x - x.detach().mean(0, keepdim=True)
    sq = (x * x).sum(1)
    gram = x @ x.t()
    d2 = (sq[first] + sq[second] - 2 * gram[first, second]).clamp(min=0)
    positive = d2 > 0
    safe = torch.where(positive, d2, torch.ones_like(d2)).sqrt()
    return torch.where(positive, safe, torch.zeros_like(safe))


def triplet_metric_loss(embeddings: torch.Tensor,
                        labels: torch.Tensor,
                        image_ids: torch.Tensor,
                        alpha: float = 0.8,
                        beta: float = 1.0,
                        margin: float = 20.0,
                        generator: Optional[torch.Generator] = None
                        ) -> torch.Tensor:
    """PDML's cross-image triplet loss of one batch of annotated points.

    ``mean over triplets of alpha * d(a, p) + beta * max(d(a, p) - d(a, n) +
    margin, 0)``, with the triplets of :func:`sample_triplets` and Euclidean
    distances ``d`` of the raw embeddings. Without any triplet (one image,
    or no label shared by two images) the loss is 0 with a gradient of 0,
    still connected to the embeddings. The memory is O(P^2) in the number
    P of annotated points.

    Args:
        embeddings (Tensor): (P, D) raw embeddings of the annotated points.
        labels (Tensor): (P, ) class of each point (integer).
        image_ids (Tensor): (P, ) image of each point (integer).
        alpha (float): Weight of the positive distance. Defaults to 0.8.
        beta (float): Weight of the triplet hinge. Defaults to 1.0.
        margin (float): Margin of the hinge, in embedding units. Defaults
            to 20.0.
        generator (torch.Generator, optional): Random generator of the
            triplet draw. Defaults to the global one.

    Returns:
        Tensor: The scalar loss, averaged over the triplets.
    """
    _check_inputs(embeddings, labels, image_ids)
    anchor, positive, negative = sample_triplets(labels, image_ids,
                                                 generator)
    if anchor.numel() == 0:
        return embeddings.sum() * 0
    # one Gram matrix for the positive and the negative pairs
    d_pos, d_neg = _pair_distances(embeddings, anchor.repeat(2),
                                   torch.cat([positive, negative])).chunk(2)
    loss = alpha * d_pos + beta * (d_pos - d_neg + margin).clamp(min=0)
    return loss.mean().to(embeddings.dtype)


def gather_points(embeddings: torch.Tensor, labels: torch.Tensor,
                  image_ids: torch.Tensor
                  ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The annotated points of every process, in rank order.

    The embeddings are gathered with autograd (the gradient of every
    process's loss with respect to a row flows back to the process that
    owns it, summed); image ids become unique over the processes (one id
    per distinct (rank, image id) pair). The counts of points may differ
    between processes. Without a process group, or with one process, the
    inputs come back as they are. Every process must call it.

    Args:
        embeddings (Tensor): (P, D) this process's embeddings.
        labels (Tensor): (P, ) their labels.
        image_ids (Tensor): (P, ) their images.

    Returns:
        tuple[Tensor]: The gathered ``(embeddings, labels, image_ids)``.
    """
    if get_world_size() == 1:
        return embeddings, labels, image_ids
    num = embeddings.shape[0]
    spec = dict(
        embeddings=BankField('points', tuple(embeddings.shape[1:]),
                             embeddings.dtype),
        labels=BankField('points', (), torch.long),
        image_ids=BankField('points', (), torch.long),
        ranks=BankField('points', (), torch.long))
    entry = dict(
        embeddings=embeddings,
        labels=labels.long(),
        image_ids=image_ids.long(),
        ranks=torch.full((num, ), get_rank(), dtype=torch.long,
                         device=labels.device))
    out, _ = all_gather_entry(entry, spec, grad_fields=('embeddings', ))
    pairs = torch.stack([out['ranks'], out['image_ids']], dim=1)
    if pairs.shape[0]:
        image_ids = torch.unique(pairs, dim=0, return_inverse=True)[1]
    else:
        image_ids = out['image_ids']
    return out['embeddings'], out['labels'], image_ids


def _draw_seed(device: torch.device, shared: bool) -> int:
    """A seed drawn from the global (CPU) random generator; ``shared``:
    every process draws one and takes rank 0's (a collective)."""
    seed = torch.randint(0, 2**62, (1, ), dtype=torch.long)
    if shared:
        seed = seed.to(device)
        torch_dist.broadcast(seed, src=0)
    return int(seed.item())


@MODELS.register_module()
class TripletMetricLoss(nn.Module):
    """PDML's cross-image triplet loss on annotated points.

    See :func:`triplet_metric_loss`. The triplets of a call come from a
    generator seeded by one draw of torch's global (CPU) random generator.

    Under torch.distributed with more than one process (and
    ``gather_batch``) the triplets are built over the whole global batch:
    the points of all processes are gathered (:func:`gather_points`), every
    process uses rank 0's seed, so all draw the same triplets, and each
    returns the same loss, the mean over all global triplets. Its backward
    pass hands each process ``world`` times the union batch's gradient of
    its own embeddings (the sum over the processes' identical losses), and
    the parameter gradients, which DistributedDataParallel averages over
    the processes, are then those of one process holding the union batch.
    Every process must call it and run the backward pass.

    Args:
        alpha (float): Weight of the positive distance. Defaults to 0.8.
        beta (float): Weight of the triplet hinge. Defaults to 1.0.
        margin (float): Margin of the hinge. Defaults to 20.0.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        gather_batch (bool): Build the triplets over the points of all
            processes. Defaults to True.
        loss_name (str): Key of the loss in the log. Defaults to
            ``'loss_triplet'``.
    """

    def __init__(self,
                 alpha: float = 0.8,
                 beta: float = 1.0,
                 margin: float = 20.0,
                 loss_weight: float = 1.0,
                 gather_batch: bool = True,
                 loss_name: str = 'loss_triplet'):
        super().__init__()
        self.alpha = alpha
        self.beta = beta
        self.margin = margin
        self.loss_weight = loss_weight
        self.gather_batch = gather_batch
        self._loss_name = loss_name

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor,
                image_ids: torch.Tensor) -> torch.Tensor:
        """Compute the weighted loss.

        Args:
            embeddings (Tensor): (P, D) raw embeddings of the annotated
                points of this process.
            labels (Tensor): (P, ) class of each point (integer).
            image_ids (Tensor): (P, ) image of each point (integer).

        Returns:
            Tensor: The scalar loss times ``loss_weight``.
        """
        _check_inputs(embeddings, labels, image_ids)
        distributed = self.gather_batch and get_world_size() > 1
        seed = _draw_seed(embeddings.device, shared=distributed)
        if distributed:
            embeddings, labels, image_ids = gather_points(
                embeddings, labels, image_ids)
        generator = torch.Generator(device=embeddings.device)
        generator.manual_seed(seed)
        return self.loss_weight * triplet_metric_loss(
            embeddings, labels, image_ids, self.alpha, self.beta,
            self.margin, generator)

    @property
    def loss_name(self):
        return self._loss_name
