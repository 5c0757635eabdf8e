"""Semantic cues for tags and boxes from class activation maps (SPML, A.2)."""
import torch

from mmwsss.structures import box_area_order, box_pixel_ranges


def cam_labels_from_tags(cams: torch.Tensor, tags: torch.Tensor,
                         alpha: float = 6.0, threshold: float = 0.2,
                         ignore_index: int = 255) -> torch.Tensor:
    """Pseudo-labels from CAMs and image tags (Ahn & Kwak, 2018).

    Each present class's CAM is rectified and divided by its maximum over the
    image; the background confidence is ``(1 - max_c M_c) ** alpha``. A pixel
    takes the most confident of background and the present classes, and is
    unlabelled when that confidence is below ``threshold``.

    Args:
        cams (Tensor): (B, C, H, W) foreground CAMs, class c at channel c - 1
            (C = number of classes without background).
        tags (Tensor): (B, C) multi-hot foreground tags.

    Returns:
        Tensor: (B, H, W) long labels, 0 background, 1..C classes.
    """
    m = cams.clamp(min=0)
    m = m / m.flatten(2).amax(-1).clamp(min=1e-5)[..., None, None]
    m = m * tags[..., None, None].to(m.dtype)
    bg = (1 - m.amax(1, keepdim=True))**alpha
    conf, labels = torch.cat([bg, m], 1).max(1)
    return labels.masked_fill(conf < threshold, ignore_index)


def cam_labels_from_boxes(cams: torch.Tensor, boxes, box_labels,
                          threshold: float = 0.5, background: int = 0,
                          ignore_index: int = 255) -> torch.Tensor:
    """Pseudo-labels from CAMs inside boxes (SPML, Appendix A.2).

    Inside each box the CAM of the box's class is min-max normalised to
    [0, 1]; pixels >= ``threshold`` take the box label, the others are
    unlabelled; outside every box is background. Smaller boxes are drawn over
    larger ones.

    Args:
        cams (Tensor): (C, H, W) CAMs of one image, class c at channel c - 1.
        boxes (Tensor): (N, 4) boxes (x1, y1, x2, y2), continuous coordinates.
        box_labels (Tensor): (N,) labels in 1..C.

    Returns:
        Tensor: (H, W) long labels.
    """
    _, H, W = cams.shape
    out = torch.full((H, W), background, dtype=torch.long,
                     device=cams.device)
    boxes = torch.as_tensor(boxes).cpu().numpy()
    ranges = box_pixel_ranges(boxes)
    for k in box_area_order(boxes):
        c1, r1, c2, r2 = (int(v) for v in ranges[k])
        label = int(box_labels[k])
        region = cams[label - 1, r1:r2, c1:c2]
        lo, hi = region.min(), region.max()
        norm = (region - lo) / (hi - lo).clamp(min=1e-5)
        out[r1:r2, c1:c2] = torch.where(
            norm >= threshold, torch.full_like(out[r1:r2, c1:c2], label),
            torch.full_like(out[r1:r2, c1:c2], ignore_index))
    return out
