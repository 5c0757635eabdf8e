"""The SegSort+ pixel-to-segment contrastive loss (SPML, eq. 1-3), chunked.

For pixel i with unit embedding e_i, prototypes mu_t and concentration kappa:

    L(i) = -log( sum_{t in P_i} exp(kappa mu_t' e_i) / sum_{t in P_i u N_i} exp(kappa mu_t' e_i) )

Each relation (low-level segments, semantic labels, co-occurrence, feature
affinity) is given compactly: a key per pixel, a key per segment and a small
boolean relation matrix R; segment t is positive to pixel i when
``R[pixel_key_i, segment_key_t]`` and negative otherwise (keys < 0 are
ignored). Equality relations use the identity matrix, co-occurrence the
image-overlap matrix.

The loss is evaluated over chunks of pixels, so no pixels x prototypes tensor
outlives a chunk. Per chunk:

- ``E = exp(kappa e_i' mu_t - m_i)`` with the fixed shift ``m_i = kappa |e_i|
  max_t |mu_t|``, an upper bound of the logits, folded into the GEMM as one
  more column: one exponential per entry, no row maxima, no masked copies.
  The exponents lie in ``[-2 m_i, 0]``; the chunk is computed in float64 when
  they could leave float32's normal range (kappa above 40 for unit vectors).
- The segments with a key are sorted by key once, so each key is one block of
  columns. With few keys (classes, images) the sums over the positive and
  the candidate sets come from per-key block sums, and the gradient weight
  ``kappa (1 / sum_all - [t in P_i] / sum_pos)`` is one number per pixel and
  key, applied block by block inside the GEMMs; with many keys (the
  low-level relation over segment ids) from each pixel's relation row.
- The gradients are computed in the same pass as the loss (the loss is a
  scalar; backward only scales them), so E is computed once.

Pixels without a positive segment are dropped before any chunk (their count
of positives follows from the per-key segment counts).
"""
from typing import Optional

import torch
import torch.nn as nn
from torch.autograd import Function

from mmwsss.registry import MODELS

# largest exponent range kept in the normal range of each dtype
_SAFE_RANGE = {torch.float32: 80.0, torch.float64: 700.0}
# with at most this many segment keys the sums and gradients go key by key
_GROUPED_KEYS = 256


class _Plan:
    """What every chunk shares: the segments that have a key, sorted by key
    (so each key's segments are one block of columns), the bound of their
    norms, and the positive and candidate relations by key or by segment."""

    def __init__(self, protos, seg_key, pos_rel, cand_rel):
        Kp, Ks = pos_rel.shape
        keyed = torch.nonzero(seg_key >= 0)[:, 0]
        self.order = keyed[torch.argsort(seg_key[keyed], stable=True)]
        keys = seg_key[self.order]
        self.num_segments = protos.shape[0]
        # column of every segment in the sorted layout, -1 = no key
        self.column = torch.full_like(seg_key, -1)
        self.column[self.order] = torch.arange(
            self.order.numel(), device=seg_key.device)
        # [mu_t, 1]: with [kappa e_i, -m_i] one GEMM gives the shifted logits
        p = protos[self.order]
        self.protos_aug = torch.cat([p, p.new_ones(p.shape[0], 1)], 1)
        # only keyed segments enter E: their norms bound the logits
        self.mu_norm = float(p.norm(dim=1).max())
        allowed = pos_rel.new_ones(Kp, Ks) if cand_rel is None else cand_rel
        self.grouped = Ks <= _GROUPED_KEYS
        if self.grouped:
            self.pos, self.cand = pos_rel, allowed
            counts = torch.bincount(keys, minlength=Ks).tolist()
            ends = torch.tensor(counts).cumsum(0).tolist()
            self.blocks = [(k, e - n, e) for k, (n, e) in
                           enumerate(zip(counts, ends)) if n > 0]
        else:
            self.pos = pos_rel[:, keys]
            self.cand = allowed[:, keys]

    def exps(self, e, own_col, kappa):
        """E = exp(kappa e mu' - m) over the keyed segments, in a dtype that
        holds its range, with each pixel's own segment zeroed."""
        # upper bound of the logits
        shift = kappa * e.norm(dim=1) * self.mu_norm
        top = 2 * float(shift.max())
        if top > _SAFE_RANGE[torch.float64]:
            raise ValueError(
                f'kappa {kappa} with embedding norms up to '
                f'{float(shift.max()) / kappa:.3g} leaves the float64 range '
                'of exp; SegSort+ needs kappa * |e| * |mu| below 350')
        p = self.protos_aug
        if top > _SAFE_RANGE.get(e.dtype, 0.0):
            e, p, shift = e.double(), p.double(), shift.double()
        E = (torch.cat([kappa * e, -shift[:, None]], 1) @ p.t()).exp_()
        if own_col is not None:  # eq. 3 "except s"
            rows = torch.nonzero(own_col >= 0)[:, 0]
            E[rows, own_col[rows]] = 0
        return E

    def sums(self, E, key):
        """Sums of E over the candidate and the positive sets, (c,) each."""
        if self.grouped:
            G = E.new_zeros(E.shape[0], self.pos.shape[1])
            for k, a, b in self.blocks:
                G[:, k] = E[:, a:b].sum(1)
            return ((G * self.cand[key]).sum(1), (G * self.pos[key]).sum(1))
        zero = E.new_zeros(())
        return (torch.where(self.cand[key], E, zero).sum(1),
                torch.where(self.pos[key], E, zero).sum(1))

    def grads(self, E, key, sum_all, sum_pos, e, scale):
        """Gradients of the chunk's summed loss with respect to its logits
        (``E / sum_all`` on the candidates minus ``E / sum_pos`` on the
        positives) applied to the embeddings and the sorted prototypes."""
        p = self.protos_aug[:, :-1].to(E.dtype)
        e = e.to(E.dtype)
        if self.grouped:
            # the weight is one number per pixel and key: no (c, S) product
            w = (self.cand[key] / sum_all[:, None] -
                 self.pos[key] / sum_pos[:, None]) * scale  # (c, Ks)
            grad_e = torch.zeros_like(e)
            grad_p = torch.zeros_like(p)
            for k, a, b in self.blocks:
                wk = w[:, k:k + 1]
                grad_e.addcmul_(wk, E[:, a:b] @ p[a:b])
                grad_p[a:b] = E[:, a:b].t() @ (wk * e)
            return grad_e, grad_p
        zero = E.new_zeros(())
        g = (torch.where(self.cand[key], E / sum_all[:, None], zero) -
             torch.where(self.pos[key], E / sum_pos[:, None], zero)) * scale
        return g @ p, g.t() @ e


class _SegSortPlus(Function):
    """The loss and, in the same pass over each chunk, its gradients: the
    loss is a scalar, so the backward pass only scales them (E is computed
    once per chunk)."""

    @staticmethod
    def forward(ctx, emb, protos, pix_key, own_col, plan, kappa, chunk_size,
                count):
        need_grad = any(ctx.needs_input_grad[:2])
        scale = kappa / max(count, 1)
        total = emb.new_zeros((), dtype=torch.float64)
        grad_emb = torch.zeros_like(emb) if need_grad else None
        grad_sorted = emb.new_zeros(plan.order.numel(), emb.shape[1]) \
            if need_grad else None
        for s in range(0, emb.shape[0], chunk_size):
            sl = slice(s, s + chunk_size)
            E = plan.exps(emb[sl], None if own_col is None else own_col[sl],
                          kappa)
            sum_all, sum_pos = plan.sums(E, pix_key[sl])
            total += (sum_all.log() - sum_pos.log()).sum().double()
            if need_grad:
                g_e, g_p = plan.grads(E, pix_key[sl], sum_all, sum_pos,
                                      emb[sl], scale)
                grad_emb[sl] = g_e.to(emb)
                grad_sorted += g_p.to(emb)
        if need_grad:
            grad_protos = emb.new_zeros(plan.num_segments, emb.shape[1])
            grad_protos[plan.order] = grad_sorted
            ctx.save_for_backward(grad_emb, grad_protos)
        return (total / max(count, 1)).to(emb.dtype)

    @staticmethod
    def backward(ctx, grad):
        grad_emb, grad_protos = ctx.saved_tensors
        return (grad_emb * grad, grad_protos * grad) + (None, ) * 6


def _with_positive(pixel_keys, segment_keys, pos_rel, own_segments):
    """(P,) bool: pixels with a key and at least one positive segment other
    than their own, from per-key segment counts (no pixel x segment work)."""
    per_key = torch.bincount(segment_keys[segment_keys >= 0],
                             minlength=pos_rel.shape[1])
    n_pos = (pos_rel.long() @ per_key)[pixel_keys.clamp(min=0)]
    if own_segments is not None:
        own_key = segment_keys[own_segments.long()]
        n_pos = n_pos - ((own_key >= 0) & pos_rel[
            pixel_keys.clamp(min=0), own_key.clamp(min=0)]).long()
    return (pixel_keys >= 0) & (n_pos > 0)


def num_with_positive(pixel_keys: torch.Tensor,
                      segment_keys: torch.Tensor,
                      relation: Optional[torch.Tensor] = None,
                      own_segments: Optional[torch.Tensor] = None,
                      candidates: Optional[torch.Tensor] = None) -> int:
    """The number of pixels :func:`segsort_plus_loss` averages over (those
    with a positive segment), for the same arguments."""
    pixel_keys, segment_keys = pixel_keys.long(), segment_keys.long()
    if pixel_keys.numel() == 0 or segment_keys.numel() == 0:
        return 0
    if relation is None:
        size = int(max(pixel_keys.max(), segment_keys.max(), 0)) + 1
        relation = torch.eye(size, dtype=torch.bool,
                             device=pixel_keys.device)
    pos_rel = relation.bool()
    if candidates is not None:
        pos_rel = pos_rel & candidates.bool()
    return int(_with_positive(pixel_keys, segment_keys, pos_rel,
                              own_segments).sum())


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
    dev = embeddings.device
    pixel_keys, segment_keys = pixel_keys.long(), segment_keys.long()
    if relation is None:
        size = int(max(pixel_keys.max(), segment_keys.max(), 0)) + 1
        relation = torch.eye(size, dtype=torch.bool, device=dev)
    relation = relation.bool()
    cand_rel = None if candidates is None else candidates.bool()
    Kp, Ks = relation.shape
    if cand_rel is not None and cand_rel.shape != relation.shape:
        raise ValueError(f'candidates {tuple(cand_rel.shape)} and relation '
                         f'{tuple(relation.shape)} differ in shape')
    if pixel_keys.numel() == 0 or segment_keys.numel() == 0:
        return (embeddings.sum() + prototypes.sum()) * 0
    if int(pixel_keys.max()) >= Kp or int(segment_keys.max()) >= Ks:
        raise ValueError(f'keys up to {int(pixel_keys.max())} (pixels) and '
                         f'{int(segment_keys.max())} (segments) exceed the '
                         f'relation matrix {Kp} x {Ks}')
    pos_rel = relation if cand_rel is None else relation & cand_rel
    keep = _with_positive(pixel_keys, segment_keys, pos_rel, own_segments)
    count = int(keep.sum())
    if count == 0:
        return (embeddings.sum() + prototypes.sum()) * 0
    plan = _Plan(prototypes.detach(), segment_keys, pos_rel, cand_rel)
    own_col = None if own_segments is None else \
        plan.column[own_segments.long()[keep]]
    return _SegSortPlus.apply(embeddings[keep], prototypes, pixel_keys[keep],
                              own_col, plan, float(kappa), int(chunk_size),
                              count)


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
