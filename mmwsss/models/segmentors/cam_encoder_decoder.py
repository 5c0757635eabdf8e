"""A segmentor that trains a CAM classifier from image tags and predicts
with its multi-scale class activation maps."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.utils import SampleList

from mmwsss.registry import MODELS
from ..decode_heads.cam_head import sample_tags
from .image_guided_encoder_decoder import ImageGuidedEncoderDecoder

CAM_ONLY_KEYS = ('pool', 'visual_words', 'loss_isl', 'loss_fsl')
WORD_BRANCH = ('max', 'minmax', None)


def _head_class(cfg: dict):
    head_type = cfg.get('type')
    if not isinstance(head_type, str):
        return head_type
    return MODELS.get(head_type) or MMSEG_MODELS.get(head_type)


def check_cam_head(cfg: dict) -> None:
    """Refuse a decode head config without CAM output (no
    ``forward_cams``), naming the head and, when it asks for HSPP, visual
    words, ISL or FSL, why they need one."""
    cls = _head_class(cfg)
    if cls is not None and hasattr(cls, 'forward_cams'):
        return
    name = getattr(cls, '__name__', cfg.get('type'))
    asked = [k for k in CAM_ONLY_KEYS if cfg.get(k) is not None]
    why = (f' {", ".join(asked)} pool, encode or compare the class '
           'activation maps of a classifier, which this head does not '
           'have.' if asked else '')
    raise TypeError(
        f'CAMEncoderDecoder needs a decode head with CAM output '
        f'(forward_cams), got {name}.{why} Use CAMHead, with '
        f'decoder=dict(type={name!r}, ...) to classify that head\'s '
        'features.')


@MODELS.register_module()
class CAMEncoderDecoder(ImageGuidedEncoderDecoder):
    """mmseg's ``EncoderDecoder`` for CAM classifiers
    (:class:`~mmwsss.models.CAMHead`).

    Training passes the un-normalised images (RGB or BGR as preprocessed, in
    [0, 1]) to the head for HFPL's feature-similarity loss. Prediction
    computes IRN-style CAMs: the ReLU'd CAMs of every scale in
    ``cam_cfg.scales`` (and of the flipped image) are resized to the input
    size and summed, then divided by their maximum per image and class.
    With visual words, VWE's two branches are each normalised so and
    combined by an element-wise max. CAMs are kept for the image's classes:
    its ``gt_tags`` when ``cam_cfg.use_tags`` and every sample has them (the
    papers' protocol on training images), else the classes whose image
    logit is positive (at least the top one). ``seg_logits`` are the
    normalised CAMs in dataset class order, with ``cam_cfg.bg_threshold`` as
    the background score when the head has a background class; the
    prediction is their arg-max.

    Args:
        cam_cfg (dict): ``scales`` (default (1.0, 0.5, 1.5, 2.0)), ``flip``
            (True), ``bg_threshold`` (0.15, IRN's evaluation threshold),
            ``use_tags`` (True), ``word_branch`` (VWE's word CAMs:
            ``'max'``, divided by their maximum like the image CAMs, then
            the element-wise max of the two branches (Eq. 12);
            ``'minmax'``, min-max normalised first, which removes the
            near-constant offset that the flat word assignment gives them;
            None, the image branch alone, as the authors' released inference
            code does).
        **kwargs: ``EncoderDecoder`` arguments; ``decode_head`` must have
            CAM output.
    """

    def __init__(self, cam_cfg: Optional[dict] = None, **kwargs):
        head = kwargs.get('decode_head')
        if head is None:
            raise ValueError('CAMEncoderDecoder needs a decode_head')
        check_cam_head(head)
        if kwargs.get('crf') is not None:
            raise ValueError(
                'CAMEncoderDecoder predicts CAMs and has no crf; refine CAM '
                'pseudo-labels with tools/make_cams.py instead')
        super().__init__(**kwargs)
        cfg = dict(scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_threshold=0.15,
                   use_tags=True, word_branch='max')
        if (cam_cfg or {}).get('word_branch', 'max') not in WORD_BRANCH:
            raise ValueError(f'cam_cfg.word_branch must be one of '
                             f'{WORD_BRANCH}, got {cam_cfg["word_branch"]!r}')
        unknown = set(cam_cfg or {}) - set(cfg)
        if unknown:
            raise ValueError(f'unknown cam_cfg keys {sorted(unknown)}; '
                             f'known: {sorted(cfg)}')
        cfg.update(cam_cfg or {})
        if not cfg['scales']:
            raise ValueError('cam_cfg.scales is empty')
        self.cam_cfg = cfg

    # ----------------------------------------------------------- inference
    @torch.no_grad()
    def multi_scale_cams(self, inputs: torch.Tensor
                         ) -> Tuple[Dict[str, torch.Tensor], torch.Tensor]:
        """Summed ReLU'd CAMs over scales and flips at the input size.

        Returns:
            tuple: dict of (B, C', H, W) ``cams`` (and ``word_cams``), not
            normalised, and the (B, C') image logits at the first scale
            (averaged with the flip).
        """
        B = inputs.shape[0]
        size = inputs.shape[-2:]
        flip = self.cam_cfg['flip']
        total, logits = {}, None
        for scale in self.cam_cfg['scales']:
            x = inputs if scale == 1 else F.interpolate(
                inputs, scale_factor=scale, mode='bilinear',
                align_corners=False)
            if flip:
                x = torch.cat([x, x.flip(-1)])
            out = self.decode_head.forward_cams(self.extract_feat(x))
            if logits is None:
                logits = out['logits'][:B]
                if flip:
                    logits = (logits + out['logits'][B:]) / 2
            for key, maps in out.items():
                if key == 'logits':
                    continue
                maps = F.interpolate(maps, size=size, mode='bilinear',
                                     align_corners=False)
                if flip:
                    maps = maps[:B] + maps[B:].flip(-1)
                total[key] = maps if key not in total else total[key] + maps
        return total, logits

    @staticmethod
    def normalise(cams: torch.Tensor) -> torch.Tensor:
        """Divide each image's class map by its maximum (IRN: + 1e-5)."""
        return cams / (cams.amax((2, 3), keepdim=True) + 1e-5)

    def present_classes(self, data_samples: Optional[SampleList],
                        logits: torch.Tensor) -> torch.Tensor:
        """(B, C') float multi-hot classes whose CAMs are kept."""
        head = self.decode_head
        if (self.cam_cfg['use_tags'] and data_samples
                and all('gt_tags' in s for s in data_samples)):
            return sample_tags(data_samples, head.num_classes,
                               head.background_index, logits.device)
        present = (logits > 0).float()
        top = logits.argmax(1)
        present[torch.arange(len(top)), top] = 1
        return present

    def cams(self, inputs: torch.Tensor,
             data_samples: Optional[SampleList] = None) -> torch.Tensor:
        """(B, C', H, W) normalised CAMs in [0, 1] of the image's classes (0
        for the others), at the input size."""
        total, logits = self.multi_scale_cams(inputs)
        cams = self.normalise(total['cams'])
        mode = self.cam_cfg['word_branch']
        if 'word_cams' in total and mode is not None:
            words = total['word_cams']
            if mode == 'minmax':
                words = words - words.amin((2, 3), keepdim=True)
            cams = torch.maximum(cams, self.normalise(words))
        present = self.present_classes(data_samples, logits)
        return cams * present[:, :, None, None]

    def cams_to_scores(self, cams: torch.Tensor) -> torch.Tensor:
        """(B, num_classes, H, W) scores: the CAMs in class order and the
        background threshold in the background channel."""
        bg = self.decode_head.background_index
        if bg is None:
            return cams
        fill = torch.full_like(cams[:, :1], self.cam_cfg['bg_threshold'])
        return torch.cat([cams[:, :bg], fill, cams[:, bg:]], 1)

    def encode_decode(self, inputs: torch.Tensor, batch_img_metas):
        return self.cams_to_scores(self.cams(inputs))

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[SampleList] = None) -> SampleList:
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError('CAMEncoderDecoder predicts whole images '
                             '(test_cfg.mode=\'whole\')')
        scores = self.cams_to_scores(self.cams(inputs, data_samples))
        return self.postprocess_result(scores, data_samples)

