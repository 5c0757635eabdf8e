"""Per-sample weak annotations of a batch of ``SegDataSample`` as tensors."""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F


def stack_pixel_field(samples: Sequence, name: str, size: Tuple[int, int],
                      fill: int) -> torch.Tensor:
    """Stack a per-pixel field of the samples, padded to ``size``.

    Args:
        samples (Sequence[SegDataSample]): The batch.
        name (str): Field holding ``PixelData`` of shape (1, H, W) with
            H, W at most ``size``.
        size (tuple[int, int]): (H, W) of the result (the batch's input
            size).
        fill (int): Value of the padded pixels.

    Returns:
        Tensor: (B, H, W) int64.
    """
    maps = []
    for b, s in enumerate(samples):
        if name not in s:
            path = s.metainfo.get('img_path', f'sample {b}')
            raise KeyError(f'{path}: the data sample has no {name}')
        m = s.get(name).data[0]
        H, W = m.shape
        if H > size[0] or W > size[1]:
            path = s.metainfo.get('img_path', f'sample {b}')
            raise ValueError(f'{path}: {name} is {H}x{W}, larger than the '
                             f'batch input {size[0]}x{size[1]}')
        maps.append(F.pad(m, (0, size[1] - W, 0, size[0] - H), value=fill))
    return torch.stack(maps).long()


def sample_points(samples: Sequence, num_classes: int, device=None
                  ) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """The point annotations of every sample as integer pixels.

    Args:
        samples (Sequence[SegDataSample]): The batch; each needs
            ``gt_points`` (``InstanceData`` with ``points`` (N, 2) float x, y
            and ``labels`` (N, )), as :class:`PackWeakSegInputs` packs them.
        num_classes (int): Labels must lie in [0, num_classes).
        device (torch.device, optional): Device of the results.

    Returns:
        list[tuple[Tensor, Tensor]]: Per sample, (N, 2) int64 x, y pixels
        (the pixel under each point) and (N, ) int64 labels.

    Raises:
        KeyError: A sample has no ``gt_points``.
        ValueError: A point lies outside its image (``img_shape``) or has a
            label outside [0, num_classes); the message names the image.
    """
    out = []
    for b, s in enumerate(samples):
        path = s.metainfo.get('img_path', f'sample {b}')
        if 'gt_points' not in s:
            raise KeyError(f'{path}: the data sample has no gt_points (point '
                           'labels); load points with LoadWeakAnnotations or '
                           'GenerateWeakLabelsFromMask(weak_label=points)')
        pts = s.gt_points.points.to(device)
        labels = s.gt_points.labels.to(device).long()
        if pts.ndim != 2 or pts.shape[1] != 2 or len(labels) != len(pts):
            raise ValueError(f'{path}: gt_points must be (N, 2) with N '
                             f'labels, got {tuple(pts.shape)} and '
                             f'{tuple(labels.shape)}')
        pix = pts.floor().long()
        h, w = s.metainfo.get('img_shape', (None, None))[:2]
        if h is not None:
            bad = (pix[:, 0] < 0) | (pix[:, 0] >= w) | (pix[:, 1] < 0) | (
                pix[:, 1] >= h)
            if bad.any():
                k = int(bad.nonzero()[0, 0])
                raise ValueError(
                    f'{path}: point {k} at (x={float(pts[k, 0]):.1f}, '
                    f'y={float(pts[k, 1]):.1f}) is outside the {w}x{h} '
                    'image')
        bad = (labels < 0) | (labels >= num_classes)
        if bad.any():
            k = int(bad.nonzero()[0, 0])
            raise ValueError(f'{path}: point {k} has class {int(labels[k])},'
                             f' outside [0, {num_classes})')
        out.append((pix, labels))
    return out
