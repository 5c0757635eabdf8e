"""Expanding distance fields of PMP (single-stage pseudo-masks from points).

Every class with points of an image gets a confidence field that is 1 at its
points and falls linearly with the Euclidean distance to the nearest of them,
down to 0 at the farthest pixel of the image; the object fields are damped
near background points, and an *expansion score* (``e_obj`` / ``e_bg``, see
:class:`mmwsss.engine.hooks.ExpansionScoreHook`) is added and the result
clipped to [0, 1], so that the region trusted fully grows from the points as
training improves (method specs, Sec. 4.3).

The distance transform is exact and computed in torch on the points' device:
the squared distances between every pixel and a chunk of points are formed
from separable row and column terms (integers, held exactly in float32 for
images whose squared diagonal is below 2**24, else in float64) and reduced to
the minimum per class with ``scatter_reduce_``. The cost is O(H * W * N) for N
points, in chunks of at most ``_CHUNK_ELEMENTS`` distances, with no loop over
pixels and one loop over point chunks for the whole batch; distances are
kept only for the (image, class) pairs that have points. PMP has a few
points per image (one per instance plus background clicks): this is cheap
there, runs on the GPU and needs no per-class EDT on the CPU (scipy's
``distance_transform_edt``, O(H * W) per class, would suit images with very
many points better).
"""
from typing import Optional, Sequence, Tuple

import torch

__all__ = ['expanding_distance_fields', 'expanding_distance_fields_batch']

# Most squared distances computed at once (elements of one chunk).
_CHUNK_ELEMENTS = 1 << 22


def _check_shape(shape) -> Tuple[int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2 or min(shape) <= 0:
        raise ValueError(
            f'shape must be (H, W) with positive sizes, got {shape}')
    return shape


def _check_points(points, labels, shape: Tuple[int, int], num_classes: int,
                  what: str = 'points'):
    """Points and labels as (N, 2) / (N,) long tensors on one device.

    Raises:
        ValueError: On a shape, a length, a non-integral coordinate, a point
            outside the image or a label outside [0, num_classes).
    """
    points = torch.as_tensor(points)
    device = points.device
    labels = torch.as_tensor(labels, device=device)
    if points.numel() == 0:
        points = points.reshape(0, 2)
    if labels.numel() == 0:
        labels = labels.reshape(0)
    if points.dim() != 2 or points.shape[1] != 2:
        raise ValueError(f'{what} must be (N, 2) x, y pixels, got shape '
                         f'{tuple(points.shape)}')
    if labels.dim() != 1:
        raise ValueError(f'labels of {what} must be (N, ), got shape '
                         f'{tuple(labels.shape)}')
    if len(points) != len(labels):
        raise ValueError(f'{what}: {len(points)} points but {len(labels)} '
                         'labels')
    if points.is_floating_point():
        if not torch.equal(points, points.round()):
            raise ValueError(f'{what} must be integer pixels, got '
                             f'{points[points != points.round()][:5]}')
    if labels.is_floating_point():
        if not torch.equal(labels, labels.round()):
            raise ValueError(f'labels of {what} must be integers')
    points, labels = points.long(), labels.long()
    H, W = shape
    outside = ((points[:, 0] < 0) | (points[:, 0] >= W)
               | (points[:, 1] < 0) | (points[:, 1] >= H))
    if outside.any():
        i = int(outside.nonzero()[0])
        raise ValueError(
            f'{what}: point {i} (x={int(points[i, 0])}, '
            f'y={int(points[i, 1])}) is outside the image of shape '
            f'(H={H}, W={W}); {int(outside.sum())} point(s) outside')
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        raise ValueError(f'labels of {what} {labels[bad].unique().tolist()} '
                         f'are outside [0, {num_classes})')
    return points, labels


def _min_distances(points: torch.Tensor, groups: torch.Tensor,
                   num_groups: int, shape: Tuple[int, int]) -> torch.Tensor:
    """Exact Euclidean distance of every pixel to its group's nearest point.

    Args:
        points (Tensor): (N, 2) long x, y.
        groups (Tensor): (N, ) long group of each point, in
            [0, num_groups).
        num_groups (int): Number of groups.
        shape (tuple[int, int]): (H, W).

    Returns:
        Tensor: (num_groups, H, W) float32, ``inf`` for a group without
        points.
    """
    H, W = shape
    device = points.device
    # Squared distances are integers: exact in float32 below 2**24.
    exact32 = (H - 1)**2 + (W - 1)**2 < (1 << 24)
    dtype = torch.float32 if exact32 else torch.float64
    ys = torch.arange(H, device=device, dtype=dtype)
    xs = torch.arange(W, device=device, dtype=dtype)
    d2 = torch.full((num_groups, H * W), float('inf'), device=device,
                    dtype=dtype)
    chunk = max(1, _CHUNK_ELEMENTS // (H * W))
    pts = points.to(dtype)
    for start in range(0, len(points), chunk):
        p = pts[start:start + chunk]
        dy2 = (ys[None, :] - p[:, 1:2])**2  # (k, H)
        dx2 = (xs[None, :] - p[:, 0:1])**2  # (k, W)
        src = (dy2[:, :, None] + dx2[:, None, :]).view(len(p), H * W)
        index = groups[start:start + chunk, None].expand(-1, H * W)
        d2.scatter_reduce_(0, index, src, 'amin')
    return d2.sqrt_().to(torch.float32).view(num_groups, H, W)


def expanding_distance_fields_batch(points_list: Sequence, labels_list:
                                    Sequence, shape, num_classes: int,
                                    bg_label: Optional[int], e_obj: float,
                                    e_bg: float) -> torch.Tensor:
    """Expanding distance fields of a batch of images of one size.

    See :func:`expanding_distance_fields`, computed here for every image of
    the batch at once (one distance pass over all the batch's points).

    Args:
        points_list (Sequence[Tensor]): Per image, (N_i, 2) integer x, y
            pixels (column, row). All on one device.
        labels_list (Sequence[Tensor]): Per image, (N_i, ) integer class of
            each point, in [0, num_classes).
        shape (tuple[int, int]): (H, W) of every image.
        num_classes (int): Number of classes, background included.
        bg_label (int, optional): The background class; None: every class
            is an object.
        e_obj (float): Expansion score of the object classes.
        e_bg (float): Expansion score of the background.

    Returns:
        Tensor: (B, num_classes, H, W) float32 on the points' device.
    """
    shape = _check_shape(shape)
    H, W = shape
    num_classes = int(num_classes)
    if num_classes <= 0:
        raise ValueError(f'num_classes must be positive, got {num_classes}')
    if bg_label is not None and not 0 <= bg_label < num_classes:
        raise ValueError(f'bg_label {bg_label} is outside '
                         f'[0, {num_classes})')
    if len(points_list) != len(labels_list):
        raise ValueError(f'{len(points_list)} point sets but '
                         f'{len(labels_list)} label sets')
    B = len(points_list)
    if B == 0:
        return torch.zeros(0, num_classes, H, W)
    checked = [
        _check_points(p, lab, shape, num_classes, what=f'points of image {b}')
        for b, (p, lab) in enumerate(zip(points_list, labels_list))
    ]
    device = checked[0][0].device
    for b, (p, _) in enumerate(checked):
        if p.device != device:
            raise ValueError(f'points of image {b} are on {p.device}, those '
                             f'of image 0 on {device}')
    points = torch.cat([p for p, _ in checked])
    groups = torch.cat([lab + b * num_classes
                        for b, (_, lab) in enumerate(checked)])
    # Distances only for the (image, class) pairs that have points.
    present, inverse = torch.unique(groups, return_inverse=True)
    dist = _min_distances(points, inverse, len(present), shape)
    dist = dist.view(len(present), H * W)
    # Phi = 1 - D / max D; 1 everywhere when the points cover the image
    # (max D == 0); 0 for a class without points.
    dmax = dist.amax(1, keepdim=True)
    phi_present = torch.where(dmax > 0, 1 - dist / dmax.clamp_min(1e-12),
                              torch.ones_like(dist))
    del dist
    phi = phi_present.new_zeros(B * num_classes, H * W)
    phi[present] = phi_present
    del phi_present
    phi = phi.view(B, num_classes, H * W)
    has_points = torch.zeros(B * num_classes, dtype=phi.dtype, device=device)
    has_points[present] = 1
    has_points = has_points.view(B, num_classes, 1)

    e = torch.full((num_classes, ), float(e_obj), device=device)
    if bg_label is not None:
        # Object fields damped near background points (not where the image
        # has none: Phi_bg is then 0 and the product a no-op).
        damp = 1 - phi[:, bg_label:bg_label + 1]
        phi[:, :bg_label] *= damp
        phi[:, bg_label + 1:] *= damp
        e[bg_label] = float(e_bg)
    fields = phi.add_(e[None, :, None]).clamp_(0, 1).mul_(has_points)
    return fields.view(B, num_classes, H, W)


def expanding_distance_fields(points, labels, shape, num_classes: int,
                              bg_label: Optional[int], e_obj: float,
                              e_bg: float) -> torch.Tensor:
    """Expanding distance fields of one image (PMP, method specs Sec. 4.3).

    For each class ``c`` with points, ``D_c`` is the Euclidean distance of
    every pixel to the nearest point of ``c`` (all instances of a class are
    pooled) and ``Phi_c = 1 - D_c / max(D_c)``, 1 at the points; when the
    points of ``c`` cover every pixel (``max(D_c) == 0``) ``Phi_c`` is 1
    everywhere. When the background has points, every object field is
    multiplied by ``1 - Phi_bg``. Then
    ``A_c = clip(Phi_c + e_obj, 0, 1)`` for objects and
    ``A_bg = clip(Phi_bg + e_bg, 0, 1)``. Classes without points (the
    background too) get 0.

    The distances are exact (see the module docstring: vectorised over
    pixels and points, on the points' device).

    Args:
        points (Tensor): (N, 2) integer x, y pixels (column, row).
        labels (Tensor): (N, ) integer class of each point, in
            [0, num_classes).
        shape (tuple[int, int]): (H, W) of the image.
        num_classes (int): Number of classes, background included.
        bg_label (int, optional): The background class; None: every class
            is an object (no damping).
        e_obj (float): Expansion score of the object classes.
        e_bg (float): Expansion score of the background.

    Returns:
        Tensor: (num_classes, H, W) float32 on the points' device.

    Raises:
        ValueError: On a point outside the image, a label outside
            [0, num_classes), different numbers of points and labels or
            malformed arguments.
    """
    return expanding_distance_fields_batch(
        [points], [labels], shape, num_classes, bg_label, e_obj, e_bg)[0]
