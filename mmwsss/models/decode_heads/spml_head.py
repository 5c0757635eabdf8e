"""SPML: pixel-to-segment contrastive learning from weak labels (Ke et al.,
ICLR 2021), as an mmseg decode head."""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, is_distributed
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.utils import SampleList

from mmwsss.registry import MODELS
from ..utils.memory_bank import PrototypeMemoryBank
from ..utils.segments import (class_embedding_sums, downsample_labels,
                              form_segments, nearest_labelled)
from ..utils.spherical_kmeans import spherical_kmeans

RELATIONS = ('image', 'annotation', 'cooccurrence', 'affinity')


@MODELS.register_module()
class SPMLHead(BaseDecodeHead):
    """Unit-length pixel embeddings trained with SPML's four pixel-to-segment
    relations, and a softmax classifier on the detached embeddings.

    The embedding comes from ``decoder``, any mmseg decode head (ASPP,
    PSP, SegFormer's MLP head, ...) whose classifier is given ``embed_dim``
    outputs; the embeddings are L2-normalised. During training:

    1. spherical k-means per image on the detached embeddings and pixel
       coordinates (``kmeans_grid`` clusters, ``kmeans_iters`` iterations);
    2. segments = clusters x low-level over-segments (``gt_superpixels`` of
       the data samples, when present) x labels (``split_by_labels``);
       prototypes = normalised mean embeddings; a segment's label = majority
       of its labelled pixels;
    3. the SegSort+ loss (eq. 3) for each relation of eq. 4, each with its
       own concentration and weight (``loss_<relation>`` configs):

       - ``image`` (V): the pixel's own segment is positive, the other
         segments of its image negative;
       - ``annotation`` (C): segments of the pixel's label are positive,
         labelled segments of other classes negative (a pixel's label is its
         annotation, else its segment's majority label);
       - ``cooccurrence`` (O): segments of images sharing a class with the
         pixel's image (and of its own image) are positive, segments of
         images sharing none negative (``cooccurrence_ignore`` classes, e.g.
         background, do not count as shared);
       - ``affinity`` (A): unlabelled segments take the label of their
         nearest labelled segment, then as ``annotation``.

       The own segment is left out of the C, O and A sets (eq. 3's "except
       s"). Segments of the memory bank (previous batches, filled by
       :class:`MemoryBankHook`) join C, O and A.

    The classifier (``conv_seg``, 1 x 1 on the detached embeddings) is trained
    with ``loss_decode`` on the weak label map. The head also keeps one unit
    prototype per class (``class_prototypes``, a buffer saved with the
    model): an exponential moving average of the normalised mean embedding
    of each class's labelled pixels, updated at every training step (summed
    over all processes). ``predict_with`` picks what predicts: the
    classifier, or the nearest class prototype (SegSort's nearest-neighbour
    retrieval with one prototype per class; logits ``prototype_kappa *
    cos``). ``tools/spml_class_prototypes.py`` recomputes the prototypes
    exactly over a training set for a trained model.

    Args:
        decoder (dict): Config of the mmseg decode head producing the
            embeddings; its ``num_classes`` is set to ``embed_dim`` and its
            own loss is unused.
        num_classes (int): Number of classes.
        embed_dim (int): Embedding dimension (SPML: 64 on VOC, 32 on
            DensePose). Defaults to 64.
        kmeans_grid (tuple[int, int]): Initial k-means grid (SPML: 6 x 6 = 36
            clusters on VOC, 12 x 12 = 144 on DensePose).
        kmeans_iters (int): K-means iterations. Defaults to 10.
        coord_weight (float): Weight of the coordinates in k-means.
        loss_image, loss_annotation, loss_cooccurrence, loss_affinity (dict,
            optional): ``SegSortPlusLoss`` configs (``kappa``,
            ``loss_weight``); None or ``loss_weight=0`` disables a relation.
        split_by_labels (bool): Segments are also cut by the label map
            (for dense pseudo-labels: CAMs of tags / boxes, DensePose);
            otherwise a segment takes the majority label of its labelled
            pixels (points, scribbles). Defaults to False.
        cooccurrence_ignore (tuple[int]): Classes that do not make two images
            share context. Defaults to ().
        memory_batches (int): Batches of prototypes kept by the memory bank
            (SPML: 2; 0 disables it).
        train_embedding (bool): False freezes the embedding (stage 2: only
            the classifier learns, from pseudo-labels; the decoder stays in
            eval mode and the relation losses are off; freeze the backbone's
            normalisation with ``norm_eval=True``). Defaults to True.
        predict_with (str): ``'classifier'`` (default) or ``'prototypes'``.
        prototype_momentum (float): EMA momentum of the class prototypes
            (weight of the old value). Defaults to 0.99.
        prototype_kappa (float, optional): Concentration of the prototype
            logits; None takes ``loss_annotation``'s kappa (else 10).
        **kwargs: :class:`BaseDecodeHead` arguments (``loss_decode``,
            ``ignore_index``, ``align_corners``, ...).
    """

    def __init__(self,
                 decoder: dict,
                 num_classes: int,
                 embed_dim: int = 64,
                 kmeans_grid=(6, 6),
                 kmeans_iters: int = 10,
                 coord_weight: float = 1.0,
                 loss_image: Optional[dict] = dict(
                     type='SegSortPlusLoss', kappa=16, loss_weight=0.1),
                 loss_annotation: Optional[dict] = dict(
                     type='SegSortPlusLoss', kappa=6, loss_weight=1.0),
                 loss_cooccurrence: Optional[dict] = dict(
                     type='SegSortPlusLoss', kappa=12, loss_weight=0.5),
                 loss_affinity: Optional[dict] = None,
                 split_by_labels: bool = False,
                 cooccurrence_ignore=(),
                 memory_batches: int = 2,
                 train_embedding: bool = True,
                 predict_with: str = 'classifier',
                 prototype_momentum: float = 0.99,
                 prototype_kappa: Optional[float] = None,
                 dropout_ratio: float = 0.0,
                 **kwargs):
        if predict_with not in ('classifier', 'prototypes'):
            raise ValueError("predict_with must be 'classifier' or "
                             f"'prototypes', got {predict_with!r}")
        decoder = copy.deepcopy(decoder)
        decoder['num_classes'] = embed_dim
        decoder.setdefault('dropout_ratio', 0.0)
        # the decoder picks its own inputs from the backbone's outputs; this
        # head's classifier (conv_seg) reads the embeddings
        super().__init__(
            in_channels=embed_dim,
            channels=embed_dim,
            num_classes=num_classes,
            dropout_ratio=dropout_ratio,
            **kwargs)
        self.decoder = MODELS.build(decoder)
        self.embed_dim = embed_dim
        self.kmeans_grid = tuple(kmeans_grid)
        self.kmeans_iters = kmeans_iters
        self.coord_weight = coord_weight
        self.split_by_labels = split_by_labels
        self.cooccurrence_ignore = tuple(cooccurrence_ignore)
        self.relation_losses = torch.nn.ModuleDict()
        for name, cfg in zip(RELATIONS, (loss_image, loss_annotation,
                                         loss_cooccurrence, loss_affinity)):
            if cfg is not None and cfg.get('loss_weight', 1.0) > 0:
                cfg = dict(cfg)
                cfg.setdefault('loss_name', f'loss_{name}')
                self.relation_losses[name] = MODELS.build(cfg)
        self.train_embedding = train_embedding
        if not train_embedding:
            self.decoder.requires_grad_(False)
        self.memory_bank = PrototypeMemoryBank(memory_batches) \
            if memory_batches > 0 else None
        # this batch's segments; MemoryBankHook gathers and pushes them
        self.pending_entry: Optional[Dict[str, torch.Tensor]] = None
        self.predict_with = predict_with
        self.prototype_momentum = prototype_momentum
        if prototype_kappa is None:
            prototype_kappa = (loss_annotation or {}).get('kappa', 10.0)
        self.prototype_kappa = float(prototype_kappa)
        self.register_buffer('class_prototypes',
                             torch.zeros(num_classes, embed_dim))

    def embed(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """(B, embed_dim, h, w) unit pixel embeddings."""
        return F.normalize(self.decoder(inputs), dim=1)

    def classify(self, emb: torch.Tensor) -> torch.Tensor:
        """Class logits of unit embeddings, by ``predict_with``."""
        if self.predict_with == 'classifier':
            return self.cls_seg(emb)
        known = self.class_prototypes.norm(dim=1) > 0
        if not known.any():
            raise RuntimeError(
                'SPMLHead(predict_with=\'prototypes\'): no class prototype '
                'yet; train the model or run tools/spml_class_prototypes.py')
        logits = self.prototype_kappa * torch.einsum(
            'bdhw,cd->bchw', emb, F.normalize(self.class_prototypes, dim=1))
        # a class never labelled cannot be predicted
        return logits.masked_fill(~known[None, :, None, None], -1e4)

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Class logits of the (detached) embeddings."""
        return self.classify(self.embed(inputs).detach())

    @torch.no_grad()
    def update_class_prototypes(self, emb: torch.Tensor,
                                labels: torch.Tensor) -> None:
        """EMA step of the class prototypes from labelled pixels.

        Args:
            emb (Tensor): (B, D, h, w) unit embeddings.
            labels (Tensor): (B, h, w) long at the embedding size, -1 =
                unlabelled.
        """
        sums, counts = class_embedding_sums(emb, labels, self.num_classes)
        if is_distributed():
            all_reduce(sums)
            all_reduce(counts)
        present = counts > 0
        mean = F.normalize(sums[present], dim=1)
        old = self.class_prototypes[present]
        fresh = old.norm(dim=1, keepdim=True) == 0
        m = self.prototype_momentum
        self.class_prototypes[present] = torch.where(
            fresh, mean, F.normalize(m * old + (1 - m) * mean, dim=1))

    def train(self, mode: bool = True):
        super().train(mode)
        if not self.train_embedding:
            self.decoder.eval()
        return self

    def loss(self, inputs, batch_data_samples: SampleList, train_cfg) -> dict:
        if not self.train_embedding:
            with torch.no_grad():
                emb = self.embed([x.detach() for x in inputs])
                self.update_class_prototypes(
                    emb, self._labels_at(emb, batch_data_samples))
            return self.loss_by_feat(self.cls_seg(emb), batch_data_samples)
        emb = self.embed(inputs)
        losses = self.loss_by_feat(self.cls_seg(emb.detach()),
                                   batch_data_samples)
        losses.update(self.relation_loss(emb, batch_data_samples))
        return losses

    # ----------------------------------------------------------- training
    def _image_tags(self, samples, labels: torch.Tensor) -> torch.Tensor:
        """(B, C) tags: ``gt_tags`` where given, else the annotated classes."""
        B = labels.shape[0]
        tags = torch.zeros(B, self.num_classes, device=labels.device)
        present = labels.flatten(1)
        for b, s in enumerate(samples):  # per-image metadata, not pixels
            if 'gt_tags' in s:
                tags[b] = s.gt_tags.to(tags)
            else:
                lab = present[b][present[b] >= 0]
                tags[b, lab] = 1
        return tags

    @staticmethod
    def _stack_field(samples, name, size, fill):
        """Stack a per-pixel field, padded to ``size`` with ``fill``."""
        maps = []
        for s in samples:
            m = s.get(name).data[0]
            H, W = m.shape
            maps.append(F.pad(m, (0, size[1] - W, 0, size[0] - H),
                              value=fill))
        return torch.stack(maps).long()

    def _labels_at(self, emb: torch.Tensor, samples: SampleList
                   ) -> torch.Tensor:
        """(B, h, w) labels at the embedding size, -1 = unlabelled."""
        gt = torch.stack([s.gt_sem_seg.data[0] for s in samples]).long()
        return downsample_labels(gt, emb.shape[-2:], self.num_classes,
                                 self.ignore_index)

    def segments_of_batch(self, emb: torch.Tensor, samples: SampleList):
        """K-means, over-segments and labels of a batch at embedding size.

        Returns:
            tuple: :class:`Segments`, labels (B, h, w) (-1 = unlabelled),
            image tags (B, C).
        """
        B, _, h, w = emb.shape
        labels = self._labels_at(emb, samples)
        clusters, _ = spherical_kmeans(emb.detach(), self.kmeans_grid,
                                       self.kmeans_iters, self.coord_weight)
        overseg = None
        if all('gt_superpixels' in s for s in samples):
            sp = self._stack_field(samples, 'gt_superpixels',
                                   samples[0].gt_sem_seg.shape, -1)
            # nearest sampling; ids are exact in float64
            overseg = F.interpolate(sp[:, None].double(), size=(h, w),
                                    mode='nearest')[:, 0].long()
        segs = form_segments(emb, clusters, labels, self.num_classes, overseg,
                             self.split_by_labels)
        return segs, labels, self._image_tags(samples, labels)

    def relation_loss(self, emb: torch.Tensor, samples: SampleList) -> dict:
        B = emb.shape[0]
        dev = emb.device
        segs, labels, tags = self.segments_of_batch(emb, samples)
        self.update_class_prototypes(emb.detach(), labels)
        S = segs.prototypes.shape[0]
        valid = segs.index >= 0
        e_pix = emb.permute(0, 2, 3, 1)[valid]
        own = segs.index[valid]
        pix_image = torch.arange(B, device=dev)[:, None, None].expand_as(
            segs.index)[valid]
        annotated = labels[valid]
        pix_label = torch.where(annotated >= 0, annotated, segs.label[own])

        bank = self.memory_bank.get(dev) if self.memory_bank else None
        protos, seg_labels, seg_image, all_tags = (
            segs.prototypes, segs.label, segs.image, tags)
        if bank is not None:
            protos = torch.cat([protos, bank['prototypes'].to(protos)])
            seg_labels = torch.cat([seg_labels, bank['labels']])
            seg_image = torch.cat([seg_image, bank['image'] + B])
            all_tags = torch.cat([tags, bank['tags'].to(tags)])

        losses = {}
        rel = self.relation_losses
        if 'image' in rel:
            seg_ids = torch.arange(S, device=dev)
            losses[rel['image'].loss_name] = rel['image'](
                e_pix, segs.prototypes, own, seg_ids,
                torch.eye(S, dtype=torch.bool, device=dev), None,
                candidates=segs.image[:, None] == segs.image[None])
        if 'annotation' in rel:
            losses[rel['annotation'].loss_name] = rel['annotation'](
                e_pix, protos, pix_label, seg_labels, None, own)
        if 'cooccurrence' in rel:
            context = all_tags.clone()  # this batch's images come first
            context[:, list(self.cooccurrence_ignore)] = 0
            overlap = (context[:B] @ context.t()) > 0
            overlap[:, :B] |= torch.eye(B, dtype=torch.bool, device=dev)
            losses[rel['cooccurrence'].loss_name] = rel['cooccurrence'](
                e_pix, protos, pix_image, seg_image, overlap, own)
        if 'affinity' in rel:
            expanded = nearest_labelled(protos.detach(), seg_labels)
            pix_expanded = torch.where(annotated >= 0, annotated,
                                       expanded[own])
            losses[rel['affinity'].loss_name] = rel['affinity'](
                e_pix, protos, pix_expanded, expanded, None, own)
        self.pending_entry = dict(
            prototypes=segs.prototypes.detach(), labels=segs.label,
            image=segs.image, tags=tags)
        return losses
