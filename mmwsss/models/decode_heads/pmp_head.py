"""PMP: single-stage pseudo-masks from points (Akiva & Dana, "Towards single
stage weakly supervised semantic segmentation"), as an mmseg decode head."""
import copy
from typing import Optional

import torch
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from mmseg.utils import SampleList

from mmwsss.registry import MODELS
from ..utils.distance_fields import expanding_distance_fields_batch
from ..utils.sample_fields import sample_points, stack_pixel_field


@MODELS.register_module()
class PMPHead(BaseDecodeHead):
    """Class logits of any mmseg decode head, trained on PMP's pseudo-masks.

    Every training iteration, without gradient (method specs Sec. 4.1):

    1. ``x_s = softmax(logits)``, the logits bilinearly resized to the
       input size;
    2. ``R = refiner(x_s, X)``, the PAC refiner guided by the augmented
       input images ``X`` in [0, 1] (``images``, handed over by
       :class:`~mmwsss.models.ImageGuidedEncoderDecoder`); ``R = x_s``
       without ``refiner``;
    3. ``Q = R * A`` with ``A`` the expanding distance fields of the image's
       points (:func:`~mmwsss.models.utils.expanding_distance_fields_batch`,
       scores ``e_obj`` / ``e_bg``, updated each epoch by
       :class:`~mmwsss.engine.ExpansionScoreHook`); ``Q = R`` without
       ``distance_fields``;
    4. the pseudo-mask is ``argmax Q`` where ``max Q >= threshold``,
       unlabelled elsewhere;
    5. point blots (``gt_point_blots`` of the data samples) overwrite it
       with ``use_blots``, then the points themselves (the labelled pixels
       of ``gt_sem_seg``) do.

    The loss is ``loss_decode`` (cross-entropy over the labelled pixels) of
    the logits against the pseudo-mask. Pixels outside the image
    (``img_shape``; padding) are unlabelled. With distance fields, an image
    without an object point (or, without ``bg_label``, without any point) is
    skipped: its whole mask is unlabelled, and the log's ``skipped_images``
    counts them. The log also shows ``pseudo_labelled``, the labelled share
    of the pseudo-masks' pixels, and ``pseudo_top_class``, the share of the
    labelled pixels that the most frequent class takes: a value that climbs
    towards 1 while ``pseudo_labelled`` does is the pseudo-masks collapsing
    onto one class (``benchmarks/pmp_pseudo_masks.py`` scores them against
    dense masks). Prediction is the decoder's arg-max.

    The three switches give the rows of PMP's ablation (Table 3):
    ``distance_fields``, ``use_blots`` and ``refiner``.

    Args:
        decoder (dict): Config of an mmseg decode head; its ``num_classes``
            is set to ``num_classes``.
        num_classes (int): Classes, background included (PMP: C + 1).
        bg_label (int, optional): The background class (VOC: 0); None when
            every class is an object (its fields then are not damped).
        refiner (dict, optional): The refiner, e.g.
            ``dict(type='PACRefiner')``; None switches PAC off.
        distance_fields (bool): Multiply by the expanding distance fields.
            Defaults to True.
        use_blots (bool): Overwrite with the point blots; False overwrites
            with the points only. Defaults to True.
        threshold (float): Pseudo-mask threshold on ``max Q``. Defaults to
            0.75.
        **kwargs: ``BaseDecodeHead`` arguments (``loss_decode``,
            ``ignore_index``, ``align_corners``, ...).
    """

    def __init__(self,
                 decoder: dict,
                 num_classes: int,
                 bg_label: Optional[int] = 0,
                 refiner: Optional[dict] = dict(type='PACRefiner'),
                 distance_fields: bool = True,
                 use_blots: bool = True,
                 threshold: float = 0.75,
                 **kwargs):
        decoder = copy.deepcopy(decoder)
        decoder['num_classes'] = num_classes
        kwargs.setdefault('init_cfg', None)  # the decoder inits itself
        super().__init__(
            in_channels=num_classes,
            channels=num_classes,
            num_classes=num_classes,
            **kwargs)
        del self.conv_seg  # the decoder's classifier gives the logits
        self.decoder = MODELS.build(decoder)
        if bg_label is not None and not 0 <= bg_label < num_classes:
            raise ValueError(f'bg_label {bg_label} is outside '
                             f'[0, {num_classes})')
        if not 0 < threshold <= 1:
            raise ValueError(f'threshold must be in (0, 1], got {threshold}')
        self.bg_label = bg_label
        self.refiner = None if refiner is None else MODELS.build(refiner)
        self.distance_fields = bool(distance_fields)
        self.use_blots = bool(use_blots)
        self.threshold = float(threshold)
        if self.distance_fields:
            # set by ExpansionScoreHook (which refuses heads without them)
            self.e_obj = 0.0
            self.e_bg = 0.0

    def forward(self, inputs) -> torch.Tensor:
        return self.decoder(inputs)

    def cls_seg(self, feat):
        raise NotImplementedError(
            'PMPHead has no classifier of its own; its decoder classifies')

    @torch.no_grad()
    def pseudo_masks(self, logits: torch.Tensor, images: torch.Tensor,
                     batch_data_samples: SampleList):
        """PMP's pseudo-masks of a batch.

        Args:
            logits (Tensor): (B, C, h, w) class logits.
            images (Tensor): (B, 3, H, W) inputs in [0, 1].
            batch_data_samples (list[SegDataSample]): With ``gt_sem_seg``
                (the rasterised points), ``gt_points`` with distance fields
                and ``gt_point_blots`` with ``use_blots``.

        Returns:
            tuple: (B, H, W) int64 pseudo-masks (``ignore_index``
            unlabelled) and the number of skipped images.
        """
        B, _, H, W = images.shape
        ignore = self.ignore_index
        probs = resize(logits.float(), size=(H, W), mode='bilinear',
                       align_corners=self.align_corners).softmax(1)
        q = probs if self.refiner is None else self.refiner(
            probs, images.float())
        skip = torch.zeros(B, dtype=torch.bool, device=images.device)
        if self.distance_fields:
            points = sample_points(batch_data_samples, self.num_classes,
                                   images.device)
            fields = expanding_distance_fields_batch(
                [p for p, _ in points], [lab for _, lab in points], (H, W),
                self.num_classes, self.bg_label, self.e_obj, self.e_bg)
            q = q * fields.to(q)
            labels = torch.cat([lab for _, lab in points])
            image_ids = torch.repeat_interleave(
                torch.arange(B, device=images.device),
                torch.tensor([len(lab) for _, lab in points],
                             device=images.device))
            objects = torch.ones_like(labels, dtype=torch.bool) \
                if self.bg_label is None else labels != self.bg_label
            skip = torch.bincount(image_ids[objects], minlength=B) == 0
        conf, label = q.max(1)
        target = torch.where(conf >= self.threshold, label,
                             torch.full_like(label, ignore))
        if self.use_blots:
            blots = stack_pixel_field(batch_data_samples, 'gt_point_blots',
                                      (H, W), ignore).to(target.device)
            target = torch.where(blots != ignore, blots, target)
        seeds = stack_pixel_field(batch_data_samples, 'gt_sem_seg', (H, W),
                                  ignore).to(target.device)
        target = torch.where(seeds != ignore, seeds, target)
        # the image of each sample in the (padded) batch
        size = torch.tensor(
            [s.metainfo.get('img_shape', (H, W))[:2]
             for s in batch_data_samples], device=target.device)
        rows = torch.arange(H, device=target.device)
        cols = torch.arange(W, device=target.device)
        valid = (rows[None, :, None] < size[:, 0, None, None]) & (
            cols[None, None, :] < size[:, 1, None, None])
        target[~valid | skip[:, None, None]] = ignore
        return target, int(skip.sum())

    def loss(self, inputs, batch_data_samples: SampleList, train_cfg,
             images: Optional[torch.Tensor] = None) -> dict:
        if images is None:
            raise ValueError(
                'PMPHead needs the input images to refine its pseudo-masks; '
                'use the segmentor ImageGuidedEncoderDecoder')
        logits = self.forward(inputs)
        target, skipped = self.pseudo_masks(logits.detach(), images,
                                            batch_data_samples)
        seg_logits = resize(logits, size=target.shape[1:], mode='bilinear',
                            align_corners=self.align_corners)
        losses = {}
        for loss_decode in (self.loss_decode if isinstance(
                self.loss_decode, torch.nn.ModuleList) else
                            [self.loss_decode]):
            name = loss_decode.loss_name
            value = loss_decode(seg_logits, target,
                                ignore_index=self.ignore_index)
            losses[name] = losses[name] + value if name in losses else value
        losses['acc_seg'] = accuracy(seg_logits, target,
                                     ignore_index=self.ignore_index)
        is_labelled = target != self.ignore_index
        labelled = is_labelled.float().mean()
        losses['pseudo_labelled'] = labelled
        counts = torch.bincount(target[is_labelled],
                                minlength=self.num_classes).float()
        losses['pseudo_top_class'] = counts.max() / counts.sum().clamp_min(1)
        losses['skipped_images'] = labelled.new_tensor(float(skipped))
        return losses
