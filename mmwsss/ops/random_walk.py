"""Random-walk propagation of class scores over pixel affinities.

SPML (Ke et al., 2021, Appendix A.4) refines per-pixel class scores with
``A_ij = exp(gamma * (cos(e_i, e_j) - 1)) ** beta``, ``T = A`` with columns
normalised to sum to 1, ``out = seeds * T^n``. The released code forms T^64 by
squaring a dense N x N matrix six times (O(N^3)); here ``seeds`` is multiplied by
T n times (O(n C N^2): on the CPU with the compiled ``dense_walk`` kernel, which
streams the symmetric affinity matrix without packing it, elsewhere with batched
``bmm``), or, for large images, T is restricted to
a local window and applied with the compiled local weighted sum (O(n C N w^2)).

The dense walk holds at most ``max_elements`` affinities at a time: whole
images while one image's N x N fits, otherwise blocks of rows of one image's
affinity matrix, recomputed at every step.
"""
import torch
import torch.nn.functional as F

from .checks import (check_dims, check_images, check_int, check_positive,
                     check_same_device, no_autocast, to_float32)
from .ext_loader import load_ext
from .local_weighted_sum import grid_offsets, local_dot, local_weighted_sum


def _check_walk(guide_name, guide, seeds, num_steps):
    """The guide (embeddings or image) and seeds of a walk."""
    check_images(**{guide_name: guide, 'seeds': seeds})
    check_same_device(**{guide_name: guide, 'seeds': seeds})
    check_dims('seeds', seeds, (0, 2, 3),
               (guide.shape[0], ) + tuple(guide.shape[2:]),
               f'(the batch size and (h, w) of {guide_name})')
    check_int('num_steps', num_steps, minimum=0)


def _flatten(embeddings, seeds):
    e = F.normalize(embeddings.flatten(2), dim=1)  # (B, D, N)
    return e, seeds.flatten(2).to(e.dtype)  # (B, C, N)


def dense_transition(embeddings: torch.Tensor, beta: float = 20,
                     gamma: float = 5) -> torch.Tensor:
    """The column-normalised transition matrix T, (B, N, N)."""
    e = F.normalize(embeddings.flatten(2), dim=1)
    aff = torch.exp(beta * gamma * (torch.bmm(e.transpose(1, 2), e) - 1))
    return aff / aff.sum(1, keepdim=True)


def random_walk_reference(embeddings, seeds, beta=20, gamma=5, num_steps=64):
    """SPML's formulation: T^n by repeated squaring of the dense matrix
    (exact powers of two; other n by ``matrix_power``)."""
    _check_walk('embeddings', embeddings, seeds, num_steps)
    T = dense_transition(embeddings, beta, gamma)
    n = num_steps
    if n > 0 and n & (n - 1) == 0:
        for _ in range(n.bit_length() - 1):
            T = torch.bmm(T, T)
    else:
        T = torch.linalg.matrix_power(T, n)
    out = torch.bmm(seeds.flatten(2).to(T.dtype), T)
    return out.view_as(seeds)


def _affinity(e, beta, gamma, rows=None):
    """A = exp(beta gamma (cos - 1)) of pixel pairs, (B, N, N), symmetric; with
    ``rows`` (B, D, R) the rows of those pixels only, (B, R, N).

    Exponents are clamped at -80 (A >= 1.8e-35, negligible against the
    diagonal's 1): below about -87 float32 results are subnormal, which makes
    ``exp`` and every later product several times slower on x86 CPUs.
    """
    rows = e if rows is None else rows
    bias = e.new_full((1, 1, 1), -beta * gamma)
    logits = torch.baddbmm(bias, rows.transpose(1, 2), e, alpha=beta * gamma)
    return logits.clamp_(min=-80.0).exp_()


def _dense_walk(e, s, beta, gamma, num_steps, max_elements):
    B, _, N = e.shape
    if B == 0:
        return s
    if N * N > max_elements:  # one image does not fit: blocks of rows
        return torch.stack([
            _dense_walk_rows(e[b:b + 1], s[b:b + 1], beta, gamma, num_steps,
                             max(1, max_elements // N))[0] for b in range(B)
        ])
    ext = load_ext() if e.device.type == 'cpu' and e.dtype == torch.float32 \
        else None
    outs = []
    chunk = max_elements // (N * N)
    for start in range(0, B, chunk):  # whole images, max_elements in all
        aff = _affinity(e[start:start + chunk], beta, gamma)
        deg = aff.sum(1)  # column sums of A (= row sums: A is symmetric)
        sc = s[start:start + chunk]
        if ext is not None:
            # seeds T = seeds A diag(1/deg), as (diag(1/deg) A seeds^T)^T
            out = ext.dense_walk(aff, deg.reciprocal(),
                                 sc.transpose(1, 2).contiguous(), num_steps)
            outs.append(out.transpose(1, 2))
            continue
        T = aff.div_(deg.unsqueeze(1))  # in place: one (chunk, N, N) buffer
        out = sc
        for _ in range(num_steps):
            out = torch.bmm(out, T)
        outs.append(out)
    return torch.cat(outs)


def _dense_walk_rows(e, s, beta, gamma, num_steps, rows):
    """The walk of one image, A built ``rows`` rows at a time at every step.

    With ``Y = seeds^T`` (N, C), a step ``seeds <- seeds A diag(1/deg)`` is
    ``Y <- diag(1/deg) A Y``, whose rows ``i`` need only the rows ``i`` of A
    (and ``deg_i``, their sums: A is symmetric).

    Args:
        e (Tensor): (1, D, N) unit embeddings.
        s (Tensor): (1, C, N) seeds.
        rows (int): Rows of A per block.

    Returns:
        Tensor: (1, C, N).
    """
    N = e.shape[2]
    y = s.transpose(1, 2)  # (1, N, C)
    deg = []
    for step in range(num_steps):
        blocks = []
        for i, r0 in enumerate(range(0, N, rows)):
            aff = _affinity(e, beta, gamma, e[:, :, r0:r0 + rows])  # (1,R,N)
            if step == 0:
                deg.append(aff.sum(2, keepdim=True))
            blocks.append(torch.bmm(aff, y).div_(deg[i]))
            del aff
        y = torch.cat(blocks, 1)
    return y.transpose(1, 2)


def window_offsets(radius: int, dilation: int = 1) -> torch.Tensor:
    """Offsets of the ``(2 radius + 1)^2`` window (centre included)."""
    check_int('radius', radius, minimum=0)
    check_int('dilation', dilation)
    return grid_offsets(2 * radius + 1, dilation, radius * dilation)


def column_normalise(aff: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Zero the taps outside the image and normalise over the taps.

    The affinities of a symmetric window are symmetric, so the column sums of
    the transition matrix are the sums over the taps of each pixel.
    """
    ones = aff.new_ones((aff.shape[0], 1) + aff.shape[2:])
    valid = local_dot(ones, ones, offsets)  # 1 inside the image, 0 outside
    aff = aff * valid
    return aff / aff.sum(1, keepdim=True)


def local_transition(embeddings: torch.Tensor, radius: int, beta: float = 20,
                     gamma: float = 5, dilation: int = 1):
    """Column-normalised local transition weights over a square window.

    Returns:
        tuple: weights (B, T, h, w) (zero outside the image) and offsets
        (T, 2) of the ``(2 radius + 1)^2`` window.
    """
    offsets = window_offsets(radius, dilation)
    e = F.normalize(embeddings, dim=1)
    cos = local_dot(e, e, offsets)
    return column_normalise(torch.exp(beta * gamma * (cos - 1)), offsets), \
        offsets


def random_walk(embeddings: torch.Tensor,
                seeds: torch.Tensor,
                beta: float = 20,
                gamma: float = 5,
                num_steps: int = 64,
                mode: str = 'dense',
                radius: int = 5,
                max_elements: int = 2**26) -> torch.Tensor:
    """Propagate class scores by a random walk over embedding affinities.

    float16 / bfloat16 inputs are computed in float32 (one warning) and the
    result cast back; autocast is disabled inside.

    Args:
        embeddings (Tensor): (B, D, h, w) pixel embeddings (normalised here).
        seeds (Tensor): (B, C, h, w) class scores to propagate, on the device
            of ``embeddings``.
        beta (float): Affinity exponent. Defaults to 20.
        gamma (float): Affinity scale. Defaults to 5.
        num_steps (int): Walk steps n >= 0. SPML's code uses 64 (T squared six
            times); its paper says 6. Defaults to 64.
        mode (str): ``'dense'`` (all pixel pairs of each image, right for the
            64 x 64 VOC grid) or ``'local'`` (a ``(2 radius + 1)^2`` window,
            for large images).
        radius (int): Window radius (>= 0) of the local mode. Defaults to 5.
        max_elements (int): Most affinities the dense mode holds at a time
            (>= 1): as many whole images as fit, or, when one image's
            ``N x N`` (``N = h w``) does not, blocks of
            ``max(1, max_elements // N)`` rows of its affinity matrix,
            recomputed at every step. Defaults to 2**26.

    Returns:
        Tensor: (B, C, h, w) propagated scores, ``seeds * T^n``, the dtype of
        ``seeds``.
    """
    _check_walk('embeddings', embeddings, seeds, num_steps)
    if mode not in ('dense', 'local'):
        raise ValueError(f"mode must be 'dense' or 'local', got {mode!r}")
    check_int('radius', radius, minimum=0)
    check_int('max_elements', max_elements)
    dtype = seeds.dtype
    with no_autocast(seeds.device):
        embeddings, seeds = to_float32('random_walk', embeddings, seeds)
        if mode == 'dense':
            e, s = _flatten(embeddings, seeds)
            out = _dense_walk(e, s, beta, gamma, num_steps,
                              max_elements).view(seeds.shape)
        else:
            weight, offsets = local_transition(embeddings, radius, beta,
                                               gamma)
            out = local_walk(seeds.to(weight.dtype), weight, offsets,
                             num_steps)
    return out.to(dtype)


def local_walk(seeds: torch.Tensor, weight: torch.Tensor,
               offsets: torch.Tensor, num_steps: int,
               clamp_seeds: bool = False) -> torch.Tensor:
    """``num_steps`` local weighted sums of ``seeds`` (zero padding), the
    labelled pixels (seed scores summing to > 0) reset to their seeds after
    every step when ``clamp_seeds``.

    On the CPU without autograd the compiled ``local_walk`` kernel runs all
    the steps in one call (two buffers, no per-step allocations); elsewhere
    :func:`local_weighted_sum` is called once per step.
    """
    if (num_steps > 0 and seeds.device.type == 'cpu'
            and seeds.dtype in (torch.float32, torch.float64)
            and weight.dtype == seeds.dtype
            and not (torch.is_grad_enabled() and
                     (seeds.requires_grad or weight.requires_grad))):
        ext = load_ext()
        if ext is not None:
            seeds = seeds.contiguous()
            out = torch.empty_like(seeds)
            ext.local_walk(seeds, weight.contiguous(),
                           offsets.to(torch.int32).contiguous(), out,
                           num_steps, clamp_seeds)
            return out
    labelled = seeds.sum(1, keepdim=True) > 0
    out = seeds
    for _ in range(num_steps):
        out = local_weighted_sum(out, weight, offsets)
        if clamp_seeds:
            out = torch.where(labelled, seeds, out)
    return out


def color_transition(image: torch.Tensor, radius: int = 1, sigma: float = 0.1,
                     dilation: int = 1):
    """Local transition weights from colour similarity,
    ``A_ij = exp(-|I_i - I_j|^2 / (2 sigma^2))``, column-normalised.

    ``|I_i - I_j|^2`` comes from one local dot product of the augmented vectors
    ``u_i = (I_i, |I_i|^2, 1)`` and ``v_j = (-2 I_j, 1, |I_j|^2)``.
    """
    offsets = window_offsets(radius, dilation)
    sq = (image**2).sum(1, keepdim=True)
    ones = torch.ones_like(sq)
    u = torch.cat([image, sq, ones], 1)
    v = torch.cat([-2 * image, ones, sq], 1)
    dist2 = local_dot(u, v, offsets).clamp(min=0)
    return column_normalise(torch.exp(-dist2 / (2 * sigma**2)), offsets), \
        offsets


def random_walk_color(image: torch.Tensor,
                      seeds: torch.Tensor,
                      num_steps: int = 50,
                      radius: int = 1,
                      sigma: float = 0.1,
                      dilation: int = 1,
                      clamp_seeds: bool = True) -> torch.Tensor:
    """Propagate seed labels (points, scribbles) over colour affinities.

    The image is computed in the dtype of ``seeds``; float16 / bfloat16
    seeds are computed in float32 (one warning) and the result cast back;
    autocast is disabled inside.

    Args:
        image (Tensor): (B, 3, H, W), colours in [0, 1].
        seeds (Tensor): (B, C, H, W) one-hot seeds (zero where unlabelled),
            on the device of ``image``.
        num_steps (int): Walk steps, >= 0. Defaults to 50.
        radius (int): Window radius, >= 0. Defaults to 1 (3 x 3).
        sigma (float): Colour bandwidth, > 0. Defaults to 0.1.
        dilation (int): Window dilation, >= 1. Defaults to 1.
        clamp_seeds (bool): Reset the labelled pixels to their seeds after
            every step (the walk then converges to the random-walker
            segmentation of Grady, 2006). Defaults to True.

    Returns:
        Tensor: (B, C, H, W) propagated scores, the dtype of ``seeds``.
    """
    _check_walk('image', image, seeds, num_steps)
    check_int('radius', radius, minimum=0)
    check_int('dilation', dilation)
    check_positive('sigma', sigma)
    dtype = seeds.dtype
    with no_autocast(seeds.device):
        seeds, = to_float32('random_walk_color', seeds)
        weight, offsets = color_transition(image.to(seeds.dtype), radius,
                                           sigma, dilation)
        out = local_walk(seeds, weight, offsets, num_steps, clamp_seeds)
    return out.to(dtype)
