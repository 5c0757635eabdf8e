"""Multi-label classification head whose classifier gives class activation
maps (CAMs), with HFPL's and VWE's losses and poolings."""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.utils import SampleList

from mmwsss.registry import MODELS


def sample_tags(samples: SampleList, num_classes: int,
                background_index: Optional[int], device) -> torch.Tensor:
    """(B, num_cams) multi-hot foreground tags of a batch.

    Reads each sample's ``gt_tags`` (num_classes,) and drops the background
    column. An image without ``gt_tags``, with tags of another length, or
    with no foreground tag raises an error naming the image.
    """
    rows = []
    for s in samples:  # per-image metadata
        name = s.metainfo.get('img_path', '<unnamed image>')
        if 'gt_tags' not in s:
            raise KeyError(f'{name}: no gt_tags; a CAM head trains from '
                           'image tags (weak_label=\'tags\' or a source '
                           'that provides them)')
        tags = s.gt_tags
        if tuple(tags.shape) != (num_classes, ):
            raise ValueError(f'{name}: gt_tags of shape {tuple(tags.shape)}, '
                             f'expected ({num_classes},)')
        rows.append(tags)
    tags = torch.stack(rows).to(device=device, dtype=torch.float32)
    if background_index is not None:
        keep = [c for c in range(num_classes) if c != background_index]
        tags = tags[:, keep]
    empty = tags.sum(1) == 0
    if empty.any():
        name = samples[int(empty.nonzero()[0])].metainfo.get(
            'img_path', '<unnamed image>')
        raise ValueError(f'{name}: no foreground tag; a CAM classifier '
                         'needs at least one class per image (skip such '
                         'images with on_empty=\'skip\')')
    return tags


@MODELS.register_module()
class CAMHead(BaseDecodeHead):
    """Class activation maps from a multi-label classifier (IRN-style), with
    GAP or HSPP pooling, HFPL's ISL and FSL, and VWE's visual words.

    The features ``F`` (B, D, h, w) are the backbone's output at
    ``in_index`` or, with ``decoder``, the output of that mmseg decode head.
    A bias-free 1x1 classifier ``W`` (``conv_seg``) gives the CAM logits
    ``s = W F`` (B, C', h, w) of the C' classes that have a CAM (all classes
    but ``background_index``). The image logits are ``W pool(F)``, with
    ``pool`` global average pooling (then equal to the mean of ``s``) or
    :class:`~mmwsss.models.HybridSpatialPyramidPooling`.

    Losses (each optional but ``loss_decode``), on the image tags
    ``gt_tags`` without the background column:

    - ``loss_decode``: the multi-label soft-margin loss of the image logits;
    - ``loss_isl``: :class:`~mmwsss.models.losses.BinomialISLoss` on ``s``
      (HFPL's ``L_cls = 0.8 L_ce + 0.2 L_is`` is ``loss_weight`` 0.8 and 0.2);
    - ``loss_fsl``: :class:`~mmwsss.models.losses.FeatureSimilarityLoss` on
      ``s`` and the image resized to CAM resolution (area interpolation of
      the un-normalised RGB in [0, 1], given by
      :class:`~mmwsss.models.CAMEncoderDecoder`);
    - with ``visual_words`` (VWE): the word loss ``L(W_word GAP(F), y_word)``
      and the word-to-image loss ``L(W_w2i (h w hist), y)``, where ``hist``
      (the mean assignment) and ``y_word`` come from
      :class:`~mmwsss.models.VisualWordsEncoder`. The histogram enters as the
      sum of the assignments over the positions, as in the authors' code:
      with the mean, the word-to-image logits (about 1/k per word) barely
      move under SGD and that loss stays at log 2.

    CAMs for inference (:meth:`forward_cams`): ``ReLU(s)`` and, with visual
    words, VWE's second branch ``ReLU(W_w2i P)`` (P the word assignment).

    Args:
        in_channels (int): Channels of the backbone output read (or of the
            decoder's input).
        num_classes (int): Classes of the dataset, background included.
        background_index (int, optional): The class without a CAM (VOC: 0);
            None (default) when every class has one (CamVid).
        channels (int, optional): Feature channels D of ``decoder``'s output;
            ignored without a decoder. Defaults to 256.
        decoder (dict, optional): An mmseg decode head computing the
            features (its ``num_classes`` is set to ``channels``); None reads
            the backbone output directly.
        pool (dict, optional): Pooling module config, e.g.
            ``dict(type='HybridSpatialPyramidPooling')``; None is GAP.
        visual_words (dict, optional): ``VisualWordsEncoder`` config (its
            ``in_channels`` is filled in); None disables VWE.
        loss_decode (dict): Image-level classification loss. Defaults to
            ``MultiLabelSoftMarginLoss``.
        loss_isl (dict, optional): ``BinomialISLoss`` config.
        loss_fsl (dict, optional): ``FeatureSimilarityLoss`` config.
        loss_word (dict): VWE's word loss (used with ``visual_words``).
        loss_w2i (dict): VWE's word-to-image loss (with ``visual_words``).
        fsl_upsample (int): FSL runs on the CAM logits upsampled (bilinear)
            by this factor (HFPL: 2 for SIPE's 32x32 CAMs, 4 for
            MCTformer's 14x14). Defaults to 1.
        **kwargs: ``BaseDecodeHead`` arguments (``in_index``,
            ``init_cfg``, ...).
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 background_index: Optional[int] = None,
                 channels: int = 256,
                 decoder: Optional[dict] = None,
                 pool: Optional[dict] = None,
                 visual_words: Optional[dict] = None,
                 loss_decode: dict = dict(
                     type='MultiLabelSoftMarginLoss', loss_weight=1.0),
                 loss_isl: Optional[dict] = None,
                 loss_fsl: Optional[dict] = None,
                 loss_word: dict = dict(
                     type='MultiLabelSoftMarginLoss', loss_name='loss_word'),
                 loss_w2i: dict = dict(
                     type='MultiLabelSoftMarginLoss', loss_name='loss_w2i'),
                 fsl_upsample: int = 1,
                 **kwargs):
        if background_index is not None and not (
                0 <= background_index < num_classes):
            raise ValueError(f'background_index {background_index} outside '
                             f'[0, {num_classes})')
        feat_channels = channels if decoder is not None else in_channels
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(
            in_channels=in_channels,
            channels=feat_channels,
            num_classes=num_classes,
            loss_decode=loss_decode,
            **kwargs)
        self.background_index = background_index
        self.num_cams = num_classes - (background_index is not None)
        self.decoder = None
        if decoder is not None:
            decoder = copy.deepcopy(decoder)
            decoder['num_classes'] = channels
            decoder.setdefault('dropout_ratio', 0.0)
            self.decoder = MODELS.build(decoder)
        # the CAM classifier: bias-free, one map per class with a CAM
        self.conv_seg = nn.Conv2d(feat_channels, self.num_cams, 1,
                                  bias=False)
        self.pool = None if pool is None else MODELS.build(pool)
        self.visual_words = None
        if visual_words is not None:
            visual_words = dict(visual_words)
            visual_words.setdefault('in_channels', feat_channels)
            self.visual_words = MODELS.build(visual_words)
            num_words = self.visual_words.codebook.shape[0]
            self.word_classifier = nn.Linear(feat_channels, num_words,
                                             bias=False)
            self.conv_w2i = nn.Conv2d(num_words, self.num_cams, 1,
                                      bias=False)
            self.loss_word = MODELS.build(loss_word)
            self.loss_w2i = MODELS.build(loss_w2i)
        self.loss_isl = None if loss_isl is None else MODELS.build(loss_isl)
        self.loss_fsl = None if loss_fsl is None else MODELS.build(loss_fsl)
        if int(fsl_upsample) != fsl_upsample or fsl_upsample < 1:
            raise ValueError(f'fsl_upsample must be a positive integer, got '
                             f'{fsl_upsample!r}')
        self.fsl_upsample = int(fsl_upsample)

    def features(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """(B, D, h, w) features the classifier reads."""
        if self.decoder is not None:
            return self.decoder(inputs)
        return self._transform_inputs(inputs)

    def _drop(self, feats: torch.Tensor) -> torch.Tensor:
        return feats if self.dropout is None else self.dropout(feats)

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """(B, C', h, w) CAM logits ``s``."""
        return self.conv_seg(self._drop(self.features(inputs)))

    def forward_cams(self, inputs: List[torch.Tensor]
                     ) -> Dict[str, torch.Tensor]:
        """Inference CAMs: ``cams`` = ReLU(s) and, with visual words,
        ``word_cams`` = ReLU(W_w2i P), both (B, C', h, w), and the image
        ``logits`` (B, C')."""
        feats = self.features(inputs)
        out = dict(cams=F.relu(self.conv_seg(feats)),
                   logits=self.image_logits(feats))
        if self.visual_words is not None:
            words = self.visual_words(feats)
            out['word_cams'] = F.relu(self.conv_w2i(words['assign']))
        return out

    def image_logits(self, feats: torch.Tensor) -> torch.Tensor:
        """(B, C') image logits ``W pool(F)``."""
        pooled = feats.mean((2, 3)) if self.pool is None else self.pool(feats)
        return F.linear(pooled, self.conv_seg.weight.flatten(1))

    def loss(self, inputs: List[torch.Tensor], batch_data_samples: SampleList,
             train_cfg: dict, images: Optional[torch.Tensor] = None) -> dict:
        """Training losses.

        Args:
            inputs (list[Tensor]): Backbone outputs.
            batch_data_samples (list[SegDataSample]): With ``gt_tags``.
            train_cfg (dict): Unused.
            images (Tensor, optional): (B, 3, H, W) un-normalised images in
                [0, 1], needed by ``loss_fsl``.
        """
        feats = self.features(inputs)
        tags = sample_tags(batch_data_samples, self.num_classes,
                           self.background_index, feats.device)
        feats = self._drop(feats)
        cams = self.conv_seg(feats)
        losses = {}
        losses[self.loss_decode.loss_name] = self.loss_decode(
            self.image_logits(feats), tags)
        if self.loss_isl is not None:
            losses[self.loss_isl.loss_name] = self.loss_isl(cams, tags)
        if self.loss_fsl is not None:
            if images is None:
                raise ValueError('loss_fsl needs the input images (train '
                                 'the head under CAMEncoderDecoder)')
            fsl_cams = cams if self.fsl_upsample == 1 else F.interpolate(
                cams, scale_factor=self.fsl_upsample, mode='bilinear',
                align_corners=False)
            small = F.interpolate(images, size=fsl_cams.shape[-2:],
                                  mode='area')
            losses[self.loss_fsl.loss_name] = self.loss_fsl(fsl_cams, small,
                                                            tags)
        if self.visual_words is not None:
            words = self.visual_words(feats)
            losses[self.loss_word.loss_name] = self.loss_word(
                self.word_classifier(feats.mean((2, 3))),
                words['word_labels'])
            losses[self.loss_w2i.loss_name] = self.loss_w2i(
                F.linear(words['hist'] * (feats.shape[2] * feats.shape[3]),
                         self.conv_w2i.weight.flatten(1)),
                tags)
        return losses

    def predict(self, inputs, batch_img_metas, test_cfg):
        raise NotImplementedError(
            'CAMHead predicts under CAMEncoderDecoder (multi-scale CAMs); '
            'use model.type=\'CAMEncoderDecoder\'')
