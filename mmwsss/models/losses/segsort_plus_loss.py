"""The SegSort+ pixel-to-segment contrastive loss (SPML, eq. 1-3), chunked.

For pixel i with unit embedding e_i, prototypes mu_t and concentration kappa:

    L(i) = -log( sum_{t in P_i} exp(kappa mu_t' e_i) / sum_{t in P_i u N_i} exp(kappa mu_t' e_i) )

Each relation (low-level segments, semantic labels, co-occurrence, feature
affinity) is given compactly: a key per pixel, a key per segment and a small
boolean relation matrix R; segment t is positive to pixel i when
``R[pixel_key_i, segment_key_t]`` and negative otherwise (keys < 0 are
ignored). Equality relations use the identity matrix, co-occurrence the
image-overlap matrix. The loss is evaluated over chunks of pixels with
log-sum-exp; its backward recomputes each chunk and applies the analytic
gradient ``kappa (softmax_all - softmax_pos)``, so no pixels x prototypes
tensor outlives a chunk, in the forward or the backward pass.
"""
from typing import Optional

import torch
import torch.nn as nn
from torch.autograd import Function

from mmwsss.registry import MODELS


def _chunk(e, protos, pix_key, seg_key, relation, cand_rel, own, kappa):
    logits = kappa * e @ protos.t()  # (c, S)
    seg_ok = seg_key >= 0
    pix_ok = pix_key >= 0
    candidates = seg_ok[None] & pix_ok[:, None]
    if cand_rel is not None:
        candidates &= cand_rel[pix_key.clamp(min=0)][:, seg_key.clamp(min=0)]
    pos = relation[pix_key.clamp(min=0)][:, seg_key.clamp(min=0)] & candidates
    if own is not None:
        not_own = torch.arange(protos.shape[0], device=e.device)[None] != \
            own[:, None]
        pos &= not_own
        candidates = candidates & not_own
    has_pos = pos.any(1)
    neg_inf = torch.finfo(logits.dtype).min
    lse_all = torch.logsumexp(logits.masked_fill(~candidates, neg_inf), 1)
    lse_pos = torch.logsumexp(logits.masked_fill(~pos, neg_inf), 1)
    return logits, candidates, pos, has_pos, lse_all, lse_pos


class _SegSortPlus(Function):

    @staticmethod
    def forward(ctx, emb, protos, pix_key, seg_key, relation, cand_rel, own,
                kappa, chunk_size):
        total = emb.new_zeros(())
        count = 0
        for s in range(0, emb.shape[0], chunk_size):
            sl = slice(s, s + chunk_size)
            _, _, _, has_pos, lse_all, lse_pos = _chunk(
                emb[sl], protos, pix_key[sl], seg_key, relation, cand_rel,
                None if own is None else own[sl], kappa)
            total = total + (lse_all - lse_pos)[has_pos].sum()
            count += int(has_pos.sum())
        ctx.save_for_backward(emb, protos, pix_key, seg_key, relation,
                              cand_rel, own)
        ctx.kappa, ctx.chunk_size, ctx.count = kappa, chunk_size, count
        return total / max(count, 1)

    @staticmethod
    def backward(ctx, grad):
        emb, protos, pix_key, seg_key, relation, cand_rel, own = \
            ctx.saved_tensors
        kappa, scale = ctx.kappa, grad / max(ctx.count, 1)
        grad_emb = torch.zeros_like(emb)
        grad_protos = torch.zeros_like(protos)
        for s in range(0, emb.shape[0], ctx.chunk_size):
            sl = slice(s, s + ctx.chunk_size)
            logits, cand, pos, has_pos, lse_all, lse_pos = _chunk(
                emb[sl], protos, pix_key[sl], seg_key, relation, cand_rel,
                None if own is None else own[sl], kappa)
            zero = logits.new_zeros(())
            p_all = torch.where(cand, torch.exp(logits - lse_all[:, None]),
                                zero)
            p_pos = torch.where(pos, torch.exp(logits - lse_pos[:, None]),
                                zero)
            g = torch.where(has_pos[:, None], p_all - p_pos, zero) * (
                kappa * scale)
            grad_emb[sl] = g @ protos
            grad_protos += g.t() @ emb[sl]
        return (grad_emb, grad_protos) + (None, ) * 7


def segsort_plus_loss(embeddings: torch.Tensor,
                      prototypes: torch.Tensor,
                      pixel_keys: torch.Tensor,
                      segment_keys: torch.Tensor,
                      relation: Optional[torch.Tensor] = None,
                      own_segments: Optional[torch.Tensor] = None,
                      kappa: float = 10.0,
                      chunk_size: int = 4096,
                      candidates: Optional[torch.Tensor] = None
                      ) -> torch.Tensor:
    """Mean SegSort+ loss over the pixels that have a positive segment.

    Args:
        embeddings (Tensor): (P, D) unit pixel embeddings.
        prototypes (Tensor): (S, D) unit segment prototypes.
        pixel_keys (Tensor): (P,) long, -1 leaves a pixel out.
        segment_keys (Tensor): (S,) long, -1 leaves a segment out.
        relation (Tensor, optional): (Kp, Ks) bool; None is equality of keys.
        own_segments (Tensor, optional): (P,) long index of each pixel's own
            segment, left out of its positive and negative sets (eq. 3's
            "except s").
        kappa (float): Concentration. Defaults to 10.
        chunk_size (int): Pixels per chunk. Defaults to 4096.
        candidates (Tensor, optional): (Kp, Ks) bool restricting the
            segments that take part at all (positive or negative), e.g. to
            the pixel's own image for the low-level relation; None lets every
            segment with a key take part.

    Returns:
        Tensor: the scalar loss (0 when no pixel has a positive segment).
    """
    if relation is None:
        size = int(max(pixel_keys.max(), segment_keys.max(), 0)) + 1
        relation = torch.eye(size, dtype=torch.bool,
                             device=embeddings.device)
    return _SegSortPlus.apply(embeddings, prototypes, pixel_keys.long(),
                              segment_keys.long(), relation.bool(),
                              None if candidates is None else
                              candidates.bool(),
                              None if own_segments is None else
                              own_segments.long(), float(kappa),
                              int(chunk_size))


def segsort_plus_loss_dense(embeddings, prototypes, pixel_keys, segment_keys,
                            relation=None, own_segments=None, kappa=10.0,
                            candidates=None):
    """The straightforward formulation: dense (P, S) logits, masks and exps."""
    if relation is None:
        size = int(max(pixel_keys.max(), segment_keys.max(), 0)) + 1
        relation = torch.eye(size, dtype=torch.bool,
                             device=embeddings.device)
    logits = kappa * embeddings @ prototypes.t()
    cand = (segment_keys >= 0)[None] & (pixel_keys >= 0)[:, None]
    if candidates is not None:
        cand &= candidates[pixel_keys.clamp(min=0)][:,
                                                    segment_keys.clamp(min=0)]
    cand = cand.float()
    pos = relation[pixel_keys.clamp(min=0)][:, segment_keys.clamp(min=0)]
    pos = pos.float() * cand
    if own_segments is not None:
        not_own = (torch.arange(prototypes.shape[0], device=logits.device)
                   [None] != own_segments[:, None]).float()
        pos, cand = pos * not_own, cand * not_own
    exp = torch.exp(logits - logits.max(1, keepdim=True).values.detach())
    num, den = (exp * pos).sum(1), (exp * cand).sum(1)
    has_pos = pos.sum(1) > 0
    loss = -torch.log(num[has_pos] / den[has_pos])
    return loss.sum() / max(int(has_pos.sum()), 1)


@MODELS.register_module()
class SegSortPlusLoss(nn.Module):
    """SegSort+ loss for one pixel-to-segment relation.

    Args:
        kappa (float): Concentration. Defaults to 10.
        loss_weight (float): lambda of the relation. Defaults to 1.
        chunk_size (int): Pixels per chunk. Defaults to 4096.
        loss_name (str): Log key. Defaults to ``'loss_segsort'``.
    """

    def __init__(self, kappa=10.0, loss_weight=1.0, chunk_size=4096,
                 loss_name='loss_segsort'):
        super().__init__()
        self.kappa = kappa
        self.loss_weight = loss_weight
        self.chunk_size = chunk_size
        self._loss_name = loss_name

    def forward(self, embeddings, prototypes, pixel_keys, segment_keys,
                relation=None, own_segments=None, candidates=None):
        return self.loss_weight * segsort_plus_loss(
            embeddings, prototypes, pixel_keys, segment_keys, relation,
            own_segments, self.kappa, self.chunk_size, candidates)

    @property
    def loss_name(self):
        return self._loss_name
