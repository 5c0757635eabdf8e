"""SPML inference stages (Ke et al., 2021, Appendix A.4, Algorithms 1 and 2).

Stage 1 trains the embedding and, on the detached embeddings, a softmax
classifier S1 from the weak labels (:class:`~mmwsss.models.SPMLHead`; with
``predict_with='prototypes'`` its class prototypes score the pixels instead,
and every stage below uses those scores). Here:

- :func:`refine_with_random_walk`: S1's class probabilities (or CAMs)
  propagated by a random walk on the embedding affinities
  ``exp(gamma (cos - 1))^beta``, then arg-max pseudo-labels (optionally
  DenseCRF first);
- :func:`retrieve_labels`: Algorithm 2's nearest-neighbour retrieval: each
  segment of an image takes the label of its nearest training prototype among
  the image's tags;
- :func:`collect_prototypes`: the training prototypes for the retrieval.

``tools/spml_pseudo_labels.py`` runs them over the embeddings and S1 logits
of :func:`~mmwsss.apis.inference_dataset` and writes PNGs that the stage-2
config reads; stage 2 trains the final classifier S2 on the frozen
embeddings (``SPMLHead(train_embedding=False)``).
"""
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from mmwsss.models.utils import (dense_crf, form_segments, spherical_kmeans)
from mmwsss.ops import random_walk


def init_spml_model(config: str, checkpoint: str, device: str = 'cpu',
                    cfg_options: Optional[dict] = None):
    """Config (with ``cfg_options`` merged) and model of a checkpoint whose
    decode head is an :class:`~mmwsss.models.SPMLHead`.

    Returns:
        tuple: the config and the model (eval mode).

    Raises:
        TypeError: naming the config, when the decode head is not SPML's.
    """
    from mmengine.config import Config
    from mmseg.apis import init_model
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = init_model(cfg, checkpoint, device=device)
    head = model.decode_head
    if not (hasattr(head, 'embed') and hasattr(head, 'class_prototypes')):
        raise TypeError(f'{config}: the decode head must be an SPMLHead '
                        f'(got {type(head).__name__})')
    return cfg, model


@torch.no_grad()
def refine_with_random_walk(embeddings: torch.Tensor,
                            scores: torch.Tensor,
                            num_steps: int = 64,
                            beta: float = 20,
                            gamma: float = 5,
                            tags: Optional[torch.Tensor] = None,
                            mode: str = 'dense',
                            radius: int = 5) -> torch.Tensor:
    """Algorithm 1, lines 2-4 (Algorithm 2, lines 1-2 with CAMs).

    Args:
        embeddings (Tensor): (B, D, h, w).
        scores (Tensor): (B, C, h, w) S1 logits (softmax is applied) or
            non-negative CAM scores (``tags`` given: used as they are).
        num_steps (int): Walk steps; SPML's code uses 64 (T squared six
            times), its paper says 6.
        beta, gamma (float): Affinity parameters (SPML: 20, 5).
        tags (Tensor, optional): (B, C) multi-hot; classes outside an
            image's tags get zero seed.
        mode, radius: ``mmwsss.ops.random_walk``'s dense or local walk.

    Returns:
        Tensor: (B, C, h, w) propagated scores.
    """
    seeds = scores.softmax(1) if tags is None else scores.clamp(min=0)
    if tags is not None:
        seeds = seeds * tags[:, :, None, None].to(seeds)
    return random_walk(embeddings, seeds, beta=beta, gamma=gamma,
                       num_steps=num_steps, mode=mode, radius=radius)


def pseudo_labels(scores: torch.Tensor, size,
                  image: Optional[np.ndarray] = None,
                  crf: Optional[dict] = None) -> np.ndarray:
    """Arg-max labels of one image's (C, h, w) scores resized to ``size``;
    with ``crf`` (``dense_crf`` arguments), DenseCRF on the normalised scores
    and the (H, W, 3) uint8 RGB ``image`` first."""
    probs = F.interpolate(scores[None].float(), size=size, mode='bilinear',
                          align_corners=False)[0]
    probs = probs.clamp(min=0)
    probs = probs / probs.sum(0, keepdim=True).clamp(min=1e-12)
    if crf is not None:
        if image is None:
            raise ValueError('DenseCRF needs the image')
        refined = dense_crf(image, probs.cpu().numpy(), **crf)
        return refined.argmax(0).astype(np.uint8)
    return probs.argmax(0).cpu().numpy().astype(np.uint8)


@torch.no_grad()
def _segments(embeddings, labels, grid, num_classes):
    clusters, _ = spherical_kmeans(embeddings, grid)
    return form_segments(embeddings, clusters, labels, num_classes)


@torch.no_grad()
def collect_prototypes(embeddings: torch.Tensor, labels: torch.Tensor,
                       num_classes: int, grid=(6, 6)
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Labelled segment prototypes of a batch of training images.

    Args:
        embeddings (Tensor): (B, D, h, w) unit embeddings.
        labels (Tensor): (B, h, w) pseudo-labels (-1 = none).

    Returns:
        tuple: prototypes (S, D) and labels (S,), labelled segments only.
    """
    segs = _segments(embeddings, labels, grid, num_classes)
    keep = segs.label >= 0
    return segs.prototypes[keep], segs.label[keep]


@torch.no_grad()
def retrieve_labels(embeddings: torch.Tensor, labels: torch.Tensor,
                    bank: torch.Tensor, bank_labels: torch.Tensor,
                    tags: torch.Tensor, num_classes: int, grid=(6, 6),
                    always: Tuple[int, ...] = (0, )) -> torch.Tensor:
    """Algorithm 2's nearest-neighbour retrieval.

    The image is cut into segments (k-means clusters x current labels); each
    segment takes the label of its nearest (cosine) training prototype among
    the prototypes whose label is in the image's tags or in ``always``
    (background).

    Args:
        embeddings (Tensor): (B, D, h, w) unit embeddings.
        labels (Tensor): (B, h, w) current labels (-1 = none).
        bank (Tensor): (M, D) training prototypes; bank_labels (M,).
        tags (Tensor): (B, C) multi-hot image tags.

    Returns:
        Tensor: (B, h, w) long labels (-1 where no pixel / no candidate).
    """
    segs = _segments(embeddings, labels, grid, num_classes)
    allowed = tags.bool().clone()
    allowed[:, list(always)] = True
    ok = allowed[segs.image][:, bank_labels]  # (S, M)
    sim = (segs.prototypes @ bank.t()).masked_fill(~ok, float('-inf'))
    best = sim.argmax(1)
    seg_label = torch.where(ok.any(1), bank_labels[best], -1)
    out = torch.full_like(labels, -1)
    valid = segs.index >= 0
    out[valid] = seg_label[segs.index[valid]]
    return out
