"""SPML: pixel-to-segment contrastive learning from weak labels (Ke et al.,
ICLR 2021), as an mmseg decode head."""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size, is_distributed
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.utils import SampleList

from mmwsss.registry import MODELS
from ..losses.segsort_plus_loss import num_with_positive
from ..utils.memory_bank import (BankField, MemoryBankMixin,
                                 all_gather_entry, concat_entries)
from ..utils.sample_fields import stack_pixel_field
from ..utils.segments import (class_embedding_sums, downsample_labels,
                              form_segments, nearest_labelled)
from ..utils.spherical_kmeans import spherical_kmeans

RELATIONS = ('image', 'annotation', 'cooccurrence', 'affinity')
# relations whose segments come from other images (of the batch, of other
# processes with ``gather_batch``, of the memory bank)
ACROSS_IMAGES = ('annotation', 'cooccurrence', 'affinity')


@MODELS.register_module()
class SPMLHead(BaseDecodeHead, MemoryBankMixin):
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

    Across processes (``gather_batch``, on by default), the C, O and A sets
    hold the current segments of every process: the prototypes are gathered
    with autograd (each process's prototypes receive the gradients of all
    processes' losses), with their labels, images and tags. Each relation's
    loss on a process is ``world_size * sum_i L(i) / N``, where the sum runs
    over the process's pixels and ``N`` counts the pixels of all processes
    that have a positive segment; the gradients that
    ``DistributedDataParallel`` averages over processes are then those of
    one process holding the union batch, with each relation averaged over
    all its pixels, and the mean of the processes' losses is the union
    batch's loss (the log shows rank 0's share). So 4 processes x 3 images
    contrast each pixel with the segments of 12 current images, as SPML
    does with a batch of 12. The image relation (V) stays
    within the pixel's image; k-means, segments and labels are per image and
    need no communication. With ``gather_batch=False`` each process
    contrasts its own images only and averages over its own pixels.

    The memory bank (``memory_batches > 0``) is filled by
    :class:`mmwsss.engine.MemoryBankHook`; without that hook in
    ``custom_hooks`` the head refuses to train (``RuntimeError`` at the first
    training step). The head declares its entry (:meth:`memory_bank_spec`):
    ``prototypes`` (S, embed_dim), ``labels`` (S,) (-1 = unlabelled),
    ``image`` (S,) indices into ``tags`` (I, num_classes) of the entry's
    images.

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
            (SPML: 2; 0 disables it). A bank needs ``MemoryBankHook`` in
            ``custom_hooks``. Defaults to 2.
        gather_batch (bool): Contrast each pixel with the current segments
            of every process (see above); no effect in a single process.
            Defaults to True.
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
                 gather_batch: bool = True,
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
        self.gather_batch = gather_batch
        self.init_memory_bank(memory_batches)
        # this process's segments of the last step, for MemoryBankHook
        self._bank_entry: Optional[Dict[str, torch.Tensor]] = None
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

    # -------------------------------------------------------- memory bank
    def memory_bank_spec(self) -> Dict[str, BankField]:
        """An entry: the segments of a batch and the tags of its images.

        Returns:
            dict[str, BankField]: ``prototypes`` (S, embed_dim) float,
            ``labels`` (S,) long (-1 = unlabelled), ``image`` (S,) long
            index into ``tags``, ``tags`` (I, num_classes) float multi-hot.
        """
        return dict(
            prototypes=BankField('segments', (self.embed_dim, ),
                                 torch.float32),
            labels=BankField('segments', (), torch.long),
            image=BankField('segments', (), torch.long, index_of='images'),
            tags=BankField('images', (self.num_classes, ), torch.float32))

    def memory_bank_entry(self) -> Optional[Dict[str, torch.Tensor]]:
        """This process's segments of the last training step (detached),
        handed over once; None before the first step."""
        entry, self._bank_entry = self._bank_entry, None
        return entry

    # ----------------------------------------------------------- training
    def _image_tags(self, samples: SampleList, device) -> torch.Tensor:
        """(B, C) tags: ``gt_tags`` where given, else the classes annotated
        anywhere in the image's label map."""
        C = self.num_classes
        tags = torch.zeros(len(samples), C, device=device)
        for b, s in enumerate(samples):  # per-image metadata, not pixels
            if 'gt_tags' in s:
                given = s.gt_tags
                if tuple(given.shape) != (C, ):
                    raise ValueError(
                        f'gt_tags of sample {b} has shape '
                        f'{tuple(given.shape)}; SPMLHead(num_classes={C}) '
                        f'expects ({C},)')
                tags[b] = given.to(tags)
            else:
                gt = s.gt_sem_seg.data
                lab = gt[(gt != self.ignore_index) & (gt >= 0) & (gt < C)]
                tags[b, lab.long().unique().to(device)] = 1
        return tags

    def _labels_at(self, emb: torch.Tensor, samples: SampleList
                   ) -> torch.Tensor:
        """(B, h, w) labels at the embedding size, -1 = unlabelled."""
        gt = torch.stack([s.gt_sem_seg.data[0] for s in samples]).long()
        return downsample_labels(gt, emb.shape[-2:], self.num_classes,
                                 self.ignore_index)

    def segments_of_batch(self, emb: torch.Tensor, samples: SampleList):
        """K-means, over-segments and labels of a batch at embedding size.

        Args:
            emb (Tensor): (B, D, h, w) unit embeddings.
            samples (list[SegDataSample]): With ``gt_sem_seg`` (H, W),
                optionally ``gt_superpixels`` (H, W) and ``gt_tags`` (C,).

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
            sp = stack_pixel_field(samples, 'gt_superpixels',
                                   samples[0].gt_sem_seg.shape, -1)
            # nearest sampling; ids are exact in float64
            overseg = F.interpolate(sp[:, None].double(), size=(h, w),
                                    mode='nearest')[:, 0].long()
        segs = form_segments(emb, clusters, labels, self.num_classes, overseg,
                             self.split_by_labels)
        return segs, labels, self._image_tags(samples, emb.device)

    def relation_loss(self, emb: torch.Tensor, samples: SampleList) -> dict:
        """The SegSort+ loss of each relation (eq. 3-4).

        Args:
            emb (Tensor): (B, D, h, w) unit embeddings (with gradient).
            samples (list[SegDataSample]): The batch's data samples.

        Returns:
            dict[str, Tensor]: ``loss_<relation>`` scalars, weighted.
        """
        self.check_memory_bank()
        B = emb.shape[0]
        dev = emb.device
        segs, labels, tags = self.segments_of_batch(emb, samples)
        self.update_class_prototypes(emb.detach(), labels)
        valid = segs.index >= 0
        e_pix = emb.permute(0, 2, 3, 1)[valid]
        own = segs.index[valid]
        pix_image = torch.arange(B, device=dev)[:, None, None].expand_as(
            segs.index)[valid]
        annotated = labels[valid]
        pix_label = torch.where(annotated >= 0, annotated, segs.label[own])
        spec = self.memory_bank_spec()
        local = dict(prototypes=segs.prototypes, labels=segs.label,
                     image=segs.image, tags=tags)
        if self.memory_bank is not None:
            self._bank_entry = {k: v.detach() for k, v in local.items()}

        rel = self.relation_losses
        shared = self.gather_batch and get_world_size() > 1
        # the current segments of every process, this process's at offset
        current, offset = local, dict(segments=0, images=0)
        if shared and any(r in rel for r in ACROSS_IMAGES):
            current, offset = all_gather_entry(local, spec,
                                               grad_fields=('prototypes', ))
        own_all = own + offset['segments']
        pix_image = pix_image + offset['images']
        num_images = current['tags'].shape[0]
        everything = current
        bank = self.memory_bank.get(dev) \
            if self.memory_bank is not None else None
        if bank is not None:
            bank = {k: v.to(current[k].dtype) for k, v in bank.items()}
            everything = concat_entries([current, bank], spec)
        protos = everything['prototypes']
        seg_labels = everything['labels']

        # per relation: embeddings, prototypes, pixel keys, segment keys,
        # relation, own segments, candidates (SegSortPlusLoss's arguments)
        terms = {}
        if 'image' in rel:
            S = segs.prototypes.shape[0]
            terms['image'] = (
                e_pix, segs.prototypes, own, torch.arange(S, device=dev),
                torch.eye(S, dtype=torch.bool, device=dev), None,
                segs.image[:, None] == segs.image[None])
        if 'annotation' in rel:
            terms['annotation'] = (e_pix, protos, pix_label, seg_labels, None,
                                   own_all, None)
        if 'cooccurrence' in rel:
            context = everything['tags'].clone()
            context[:, list(self.cooccurrence_ignore)] = 0
            overlap = (context[:num_images] @ context.t()) > 0
            overlap[:, :num_images] |= torch.eye(
                num_images, dtype=torch.bool, device=dev)
            terms['cooccurrence'] = (e_pix, protos, pix_image,
                                     everything['image'], overlap, own_all,
                                     None)
        if 'affinity' in rel:
            expanded = nearest_labelled(protos.detach(), seg_labels)
            pix_expanded = torch.where(annotated >= 0, annotated,
                                       expanded[own_all])
            terms['affinity'] = (e_pix, protos, pix_expanded, expanded, None,
                                 own_all, None)

        scales = {}
        if shared and terms:
            # world * (this process's pixels) / (all processes' pixels): the
            # mean over all pixels once DDP averages the gradients
            counts = torch.tensor(
                [e_pix.shape[0] if name == 'image' else
                 num_with_positive(*args[2:6])
                 for name, args in terms.items()],
                dtype=torch.float64, device=dev)
            totals = counts.clone()
            all_reduce(totals)
            world = get_world_size()
            scales = {name: float(world * c / max(t, 1.0))
                      for name, c, t in zip(terms, counts.tolist(),
                                            totals.tolist())}
        losses = {}
        for name, args in terms.items():
            loss = rel[name](*args)
            if name in scales:
                loss = loss * scales[name]
            losses[rel[name].loss_name] = loss
        return losses
