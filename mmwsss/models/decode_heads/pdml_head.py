"""PDML: point-based distance metric learning for scene parsing (Qian et
al., AAAI 2019), as an mmseg decode head."""
import copy
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.utils import SampleList

from mmwsss.registry import MODELS
from ..utils.sample_fields import sample_points

EXTENSION_KEYS = ('threshold', 'window', 'start_iter', 'loss')


def point_embeddings(emb: torch.Tensor, points, input_size,
                     align_corners: bool = False):
    """Bilinearly sampled embeddings under the points of every image.

    Args:
        emb (Tensor): (B, D, h, w) embeddings of inputs of ``input_size``.
        points (list[Tensor]): Per image, (N_b, 2) int64 x, y input pixels.
        input_size (tuple[int, int]): (H, W) of the inputs.
        align_corners (bool): The head's convention for ``emb``'s grid.

    Returns:
        tuple[Tensor, Tensor]: (P, D) embeddings and (P, ) image index of
        each, P = sum of N_b.
    """
    B = emb.shape[0]
    counts = torch.tensor([len(p) for p in points], device=emb.device)
    P = int(counts.sum())
    if P == 0:
        return emb.new_zeros(0, emb.shape[1]), emb.new_zeros(0).long()
    H, W = input_size
    image_ids = torch.repeat_interleave(
        torch.arange(B, device=emb.device), counts)
    # each point's slot among its image's points
    slot = torch.arange(P, device=emb.device) - (counts.cumsum(0) -
                                                  counts)[image_ids]
    centre = torch.cat(list(points)).to(emb) + 0.5  # pixel centres
    if align_corners:
        scale = centre.new_tensor([max(W - 1, 1), max(H - 1, 1)])
        coords = (centre - 0.5) / scale * 2 - 1
    else:
        coords = centre / centre.new_tensor([W, H]) * 2 - 1
    grid = emb.new_zeros(B, int(counts.max()), 2)
    grid[image_ids, slot] = coords
    sampled = F.grid_sample(emb, grid[:, None], mode='bilinear',
                            padding_mode='border',
                            align_corners=align_corners)  # (B, D, 1, N)
    sampled = sampled[:, :, 0].transpose(1, 2)  # (B, N, D)
    return sampled[image_ids, slot], image_ids


def extension_targets(probs: torch.Tensor, target: torch.Tensor,
                      image_classes: torch.Tensor, threshold: float,
                      window: int, ignore_index: int = 255) -> torch.Tensor:
    """PDML's online label extension (Eqs. 6-7).

    A pixel that is not annotated gets its predicted class when the
    prediction's softmax score is above ``threshold``, the class is one of
    its image's annotated classes and the pixel lies within the
    ``window`` x ``window`` square centred on an annotated pixel.

    Args:
        probs (Tensor): (B, C, H, W) softmax scores.
        target (Tensor): (B, H, W) annotation, ``ignore_index`` unlabelled.
        image_classes (Tensor): (B, C) bool, the classes of each image's
            annotations.
        threshold (float): Score threshold (PDML: 0.7).
        window (int): Odd side of the square (PDML: 5).
        ignore_index (int): Unlabelled value. Defaults to 255.

    Returns:
        Tensor: (B, H, W) int64 extended labels, ``ignore_index`` elsewhere
        (annotated pixels included).
    """
    conf, pred = probs.max(1)
    labelled = target != ignore_index
    region = F.max_pool2d(labelled[:, None].float(), window, stride=1,
                          padding=window // 2)[:, 0] > 0
    in_image = image_classes.gather(1, pred.flatten(1)).view_as(pred)
    keep = (conf > threshold) & in_image & region & ~labelled
    return torch.where(keep, pred, torch.full_like(pred, ignore_index))


@MODELS.register_module()
class PDMLHead(BaseDecodeHead):
    """Point cross-entropy, PDML's cross-image triplet loss on the
    embeddings of the annotated pixels, and online label extension.

    The network is an mmseg segmenter: the backbone and ``decoder``, any
    mmseg decode head (ASPP, PSP, FCN, UPer, DeepLabV3+, ...). Where its
    raw (not normalised) embeddings ``f`` are taken is ``embedding``:

    - ``'backbone'`` (the default; the spec's reading of PDML, whose ``f``
      is DeepLab's atrous ResNet and ``g`` its ASPP classifier): the
      decoder's input, the backbone feature map it reads (``in_index``),
      and the whole decoder is the classifier ``g``;
    - ``'features'``: the decoder's last feature map, the input of its 1x1
      classifier, which moves into this head as ``g`` (``conv_seg``);
    - ``'projection'``: the decoder's classifier is given ``embed_dim``
      outputs, which are ``f``, and this head's ``conv_seg`` is ``g``.

    With ``'backbone'`` and ``'features'`` the network is the partial-CE
    segmenter itself; only the losses differ. Gradients of every loss
    flow into ``f``. During training:

    - the point cross-entropy (``loss_decode``) on the labels of
      ``gt_sem_seg`` (the rasterised points);
    - ``loss_triplet`` (:class:`~mmwsss.models.losses.TripletMetricLoss`)
      on the embeddings under the points (``gt_points``, bilinearly
      sampled from the embedding map), triplets across the images of the
      batch (of all processes under DDP);
    - with ``extension``, from iteration ``start_iter`` on: unlabelled
      pixels whose softmax maximum is above ``threshold``, whose predicted
      class is one of the image's point classes and that lie in the
      ``window`` x ``window`` square of a labelled pixel take the predicted
      class (recomputed every iteration without gradient,
      :func:`extension_targets`), trained with ``extension['loss']``.
      The log shows ``extended_pixels``, the number of extended pixels per
      image.

    Prediction is a single forward pass and arg-max.

    Args:
        decoder (dict): Config of an mmseg decode head.
        num_classes (int): Number of classes.
        embed_dim (int, optional): Embedding channels. With
            ``embedding='backbone'`` the decoder's ``in_channels`` (summed
            over a list) and with ``'features'`` its ``channels``: None
            takes them, another value is refused. With ``'projection'`` the
            decoder's ``num_classes`` is set to it (None: 256). Defaults to
            None.
        loss_triplet (dict, optional): The triplet loss; None trains with
            the point cross-entropy alone (PointSup). Defaults to
            ``TripletMetricLoss(alpha=0.8, beta=1.0, margin=20.0)``.
        extension (dict, optional): ``threshold`` (0.7), ``window`` (5),
            ``start_iter`` (0: from the first iteration; the iteration of
            the runner's message hub), ``loss`` (default
            ``PartialCrossEntropyLoss(loss_name='loss_extend')``). None (the
            default) switches extension off.
        dropout_ratio (float): Dropout before the classifier: this head's
            ``conv_seg``, or with ``'backbone'`` the decoder's (unless its
            config sets ``dropout_ratio``). Defaults to 0.
        embedding (str): ``'backbone'``, ``'features'`` or
            ``'projection'``, see above. Defaults to ``'backbone'``.
        **kwargs: ``BaseDecodeHead`` arguments (``loss_decode``,
            ``ignore_index``, ``align_corners``, ...).
    """

    def __init__(self,
                 decoder: dict,
                 num_classes: int,
                 embed_dim: Optional[int] = None,
                 loss_triplet: Optional[dict] = dict(
                     type='TripletMetricLoss', alpha=0.8, beta=1.0,
                     margin=20.0, loss_weight=1.0),
                 extension: Optional[dict] = None,
                 dropout_ratio: float = 0.0,
                 embedding: str = 'backbone',
                 **kwargs):
        decoder = copy.deepcopy(decoder)
        own = dict(backbone='in_channels', features='channels')
        if embedding in own:
            key = own[embedding]
            if key not in decoder:
                raise ValueError(
                    f'PDMLHead(embedding="{embedding}") takes the embeddings '
                    f'from the decoder\'s {key}, but the decoder config '
                    f'{decoder.get("type")} does not set "{key}"')
            size = decoder[key]
            size = sum(size) if isinstance(size, (list, tuple)) else size
            if embed_dim is not None and embed_dim != size:
                raise ValueError(
                    f'PDMLHead(embedding="{embedding}"): embed_dim='
                    f'{embed_dim} differs from the decoder\'s {key}='
                    f'{size}; leave embed_dim unset')
            embed_dim = size
            decoder['num_classes'] = num_classes
        elif embedding == 'projection':
            embed_dim = 256 if embed_dim is None else embed_dim
            decoder['num_classes'] = embed_dim
        else:
            raise ValueError(f'PDMLHead: embedding must be "backbone", '
                             f'"features" or "projection", got {embedding!r}')
        decoder.setdefault(
            'dropout_ratio', dropout_ratio if embedding == 'backbone' else 0.)
        super().__init__(
            in_channels=embed_dim,
            channels=embed_dim,
            num_classes=num_classes,
            dropout_ratio=0. if embedding == 'backbone' else dropout_ratio,
            **kwargs)
        self.decoder = MODELS.build(decoder)
        # every mmseg head ends in cls_seg (dropout, conv_seg): without them
        # its forward returns the feature map its classifier saw
        if embedding == 'features':
            self.decoder.conv_seg = nn.Identity()
            self.decoder.dropout = None
        elif embedding == 'backbone':  # the decoder classifies
            self.conv_seg = nn.Identity()
        self.embedding = embedding
        self.embed_dim = embed_dim
        self.loss_triplet = None if loss_triplet is None else MODELS.build(
            loss_triplet)
        self.extension = None
        if extension is not None:
            unknown = set(extension) - set(EXTENSION_KEYS)
            if unknown:
                raise ValueError(f'unknown extension keys {sorted(unknown)}; '
                                 f'known: {list(EXTENSION_KEYS)}')
            ext = dict(threshold=0.7, window=5, start_iter=0,
                       loss=dict(type='PartialCrossEntropyLoss',
                                 loss_name='loss_extend'))
            ext.update(extension)
            if not 0 <= ext['threshold'] < 1:
                raise ValueError(f'extension threshold must be in [0, 1), '
                                 f'got {ext["threshold"]}')
            if ext['window'] < 1 or ext['window'] % 2 == 0:
                raise ValueError(f'extension window must be odd and '
                                 f'positive, got {ext["window"]}')
            self.loss_extend = MODELS.build(ext.pop('loss'))
            self.extension = ext

    def embed(self, inputs) -> torch.Tensor:
        """(B, embed_dim, h, w) raw embeddings ``f``."""
        if self.embedding == 'backbone':
            return self.decoder._transform_inputs(inputs)
        return self.decoder(inputs)

    def embed_and_classify(self, inputs):
        """The embeddings ``f`` and the class logits ``g(f)``."""
        if self.embedding == 'backbone':
            return self.embed(inputs), self.decoder(inputs)
        emb = self.embed(inputs)
        return emb, self.cls_seg(emb)

    def forward(self, inputs) -> torch.Tensor:
        """Class logits ``g(f)``."""
        return self.embed_and_classify(inputs)[1]

    @staticmethod
    def _current_iter() -> int:
        hub = MessageHub.get_current_instance()
        return int(hub.get_info('iter', 0) or 0)

    def extension_active(self) -> bool:
        """Whether the extension runs at the runner's current iteration."""
        return self.extension is not None and (
            self._current_iter() >= self.extension['start_iter'])

    def loss(self, inputs, batch_data_samples: SampleList, train_cfg) -> dict:
        emb, logits = self.embed_and_classify(inputs)
        losses = self.loss_by_feat(logits, batch_data_samples)
        input_size = tuple(batch_data_samples[0].metainfo.get(
            'batch_input_shape', batch_data_samples[0].gt_sem_seg.shape))
        if self.loss_triplet is not None:
            points = sample_points(batch_data_samples, self.num_classes,
                                   emb.device)
            point_emb, image_ids = point_embeddings(
                emb, [p for p, _ in points], input_size, self.align_corners)
            labels = torch.cat([lab for _, lab in points])
            losses[self.loss_triplet.loss_name] = self.loss_triplet(
                point_emb, labels, image_ids)
        if self.extension_active():
            losses.update(self.extension_loss(logits, batch_data_samples))
        return losses

    def extension_loss(self, logits: torch.Tensor,
                       batch_data_samples: SampleList) -> dict:
        """The cross-entropy on the extended pixels."""
        target = torch.stack(
            [s.gt_sem_seg.data[0] for s in batch_data_samples]).long()
        up = resize(logits, size=target.shape[1:], mode='bilinear',
                    align_corners=self.align_corners)
        with torch.no_grad():
            valid = (target != self.ignore_index) & (target >= 0) & (
                target < self.num_classes)
            classes = torch.zeros(len(target), self.num_classes,
                                  dtype=torch.bool, device=target.device)
            b = torch.arange(len(target), device=target.device)
            b = b[:, None, None].expand_as(target)
            classes[b[valid], target[valid]] = True
            seeds = torch.where(valid, target,
                                torch.full_like(target, self.ignore_index))
            extended = extension_targets(up.softmax(1), seeds, classes,
                                         self.extension['threshold'],
                                         self.extension['window'],
                                         self.ignore_index)
            count = (extended != self.ignore_index).sum() / len(target)
        return {
            self.loss_extend.loss_name:
            self.loss_extend(up, extended, ignore_index=self.ignore_index),
            'extended_pixels': count.float()
        }
