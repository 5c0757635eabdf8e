"""Class activation maps of a dataset from a CAM classifier, in the PSA / IRN
``.npy`` format, optionally restricted to boxes."""
import os.path as osp
from typing import Iterator, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from mmwsss.structures import box_pixel_ranges


def cam_inference(model, dataset,
                  indices: Optional[Sequence[int]] = None) -> Iterator[dict]:
    """Run a :class:`~mmwsss.models.CAMEncoderDecoder` over a dataset, one
    image at a time (multi-scale CAMs), in eval mode.

    Yields:
        dict: ``data_sample`` (the prediction: ``pred_sem_seg`` and
        ``seg_logits`` at the original size, ground truth and tags as
        loaded), ``cams``, the (C', H, W) normalised CAMs of the classes
        that have one (the background channel of ``seg_logits`` removed),
        and ``item``, the dataset item (raw ``inputs``).
    """
    was_training = model.training
    model.eval()
    bg = model.decode_head.background_index
    try:
        for i in (range(len(dataset)) if indices is None else indices):
            item = dataset[i]
            data = model.data_preprocessor(
                dict(inputs=[item['inputs']],
                     data_samples=[item['data_samples']]), False)
            with torch.no_grad():
                sample = model.predict(data['inputs'],
                                       data['data_samples'])[0]
            scores = sample.seg_logits.data
            if bg is not None:
                scores = torch.cat([scores[:bg], scores[bg + 1:]])
            yield dict(data_sample=sample, cams=scores, item=item)
    finally:
        model.train(was_training)


@torch.no_grad()
def random_walk_cams(spml_model, item: dict, cams: torch.Tensor,
                     num_steps: int = 64, beta: float = 20,
                     gamma: float = 5) -> torch.Tensor:
    """SPML's Algorithm 2, lines 1-2: CAMs propagated by a random walk on
    the affinities of an SPML model's embeddings.

    The image's embeddings come from ``spml_model`` (its own preprocessing
    of the raw ``item``); the CAMs are area-resized to the embedding grid,
    walked with :func:`mmwsss.apis.refine_with_random_walk` (classes with a
    zero CAM stay zero), resized back bilinearly and divided by their
    maximum per class.

    Args:
        spml_model: A segmentor whose decode head has ``embed``
            (:class:`~mmwsss.models.SPMLHead`), in eval mode.
        item (dict): The dataset item (packed ``inputs``, ``data_samples``).
        cams (Tensor): (C', H, W) non-negative CAMs at the item's size.
        num_steps, beta, gamma: The walk's settings (SPML: 64, 20, 5).

    Returns:
        Tensor: (C', H, W) propagated CAMs in [0, 1].
    """
    from .spml_inference import refine_with_random_walk
    data = spml_model.data_preprocessor(
        dict(inputs=[item['inputs']], data_samples=[item['data_samples']]),
        False)
    x = data['inputs']
    emb = spml_model.decode_head.embed(spml_model.extract_feat(x))
    H, W = cams.shape[-2:]
    if tuple(x.shape[-2:]) != (H, W):
        raise ValueError(f'CAMs of size {H}x{W} but the SPML model\'s input '
                         f'is {x.shape[-2]}x{x.shape[-1]}')
    small = F.interpolate(cams[None].to(emb), size=emb.shape[-2:],
                          mode='area')
    present = (cams.flatten(1).amax(1) > 0).to(emb)[None]
    walked = refine_with_random_walk(emb, small, num_steps, beta, gamma,
                                     tags=present)
    walked = F.interpolate(walked, size=(H, W), mode='bilinear',
                           align_corners=False)[0].clamp(min=0)
    return walked / (walked.flatten(1).amax(1)[:, None, None] + 1e-5)


def restrict_cams_to_boxes(cams: torch.Tensor, boxes, box_labels,
                           background_index: Optional[int] = 0
                           ) -> torch.Tensor:
    """Zero every class's CAM outside the boxes of that class.

    Args:
        cams (Tensor): (C', H, W) CAMs of the classes that have one.
        boxes: (N, 4) boxes (x1, y1, x2, y2) in continuous pixel
            coordinates of the CAM frame.
        box_labels: (N,) dataset labels of the boxes.
        background_index (int, optional): The class without a CAM; labels
            above it sit one channel lower. None when every class has one.

    Returns:
        Tensor: (C', H, W) restricted CAMs.
    """
    boxes = np.asarray(torch.as_tensor(boxes).cpu(), np.float64).reshape(-1,
                                                                         4)
    labels = np.asarray(torch.as_tensor(box_labels).cpu(),
                        np.int64).reshape(-1)
    C = cams.shape[0]
    if background_index is None:
        channels, bad = labels, labels < 0
    else:
        channels = labels - (labels > background_index)
        bad = (labels == background_index) | (labels < 0)
    if (bad | (channels >= C)).any():
        raise ValueError(f'box labels {labels.tolist()} outside the {C} '
                         'classes with a CAM')
    keep = torch.zeros_like(cams, dtype=torch.bool)
    for (c1, r1, c2, r2), c in zip(box_pixel_ranges(boxes), channels):
        keep[c, int(r1):int(r2), int(c1):int(c2)] = True
    return cams * keep


def save_cams(path: str, cams: torch.Tensor, keys: Sequence[int]) -> None:
    """Write ``{'keys': keys, 'high_res': cams[keys]}`` (PSA / IRN format,
    read by ``tools/cams_to_pseudo_labels.py``).

    Args:
        path (str): ``.npy`` file.
        cams (Tensor): (C', H, W) CAMs at image size.
        keys (Sequence[int]): The image's classes, counted over the classes
            that have a CAM (VOC: 0 = aeroplane).
    """
    keys = np.asarray(keys, np.int64).reshape(-1)
    high_res = cams[torch.as_tensor(keys, dtype=torch.long)].cpu().numpy()
    if not path.endswith('.npy'):
        raise ValueError(f'{path}: CAM files end in .npy')
    np.save(path, dict(keys=keys, high_res=high_res.astype(np.float32)))


def cam_file(out_dir: str, img_path: str) -> str:
    """``OUT_DIR/<image stem>.npy``."""
    return osp.join(out_dir, osp.splitext(osp.basename(img_path))[0] +
                    '.npy')
