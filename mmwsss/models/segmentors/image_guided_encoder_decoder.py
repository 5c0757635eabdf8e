"""A segmentor whose decode head sees the (augmented) input images during
training, for heads that refine their targets or losses with the colours."""
import inspect

import torch
from mmseg.utils import SampleList

from mmwsss.registry import MODELS
from .crf_encoder_decoder import CRFEncoderDecoder


def accepts_images(head) -> bool:
    """Whether ``head.loss`` takes an ``images`` argument."""
    try:
        params = inspect.signature(head.loss).parameters
    except (TypeError, ValueError):
        return False
    return 'images' in params


@MODELS.register_module()
class ImageGuidedEncoderDecoder(CRFEncoderDecoder):
    """mmseg's ``EncoderDecoder`` that hands the training images to the
    decode head.

    Training calls ``decode_head.loss(x, data_samples, train_cfg,
    images=...)`` with the batch's inputs brought back to [0, 1]: the data
    preprocessor's normalisation undone and divided by 255, in its channel
    order (RGB with ``bgr_to_rgb``), after every augmentation of the
    pipeline, padded as the inputs are. Heads whose ``loss`` has no
    ``images`` argument are trained as by ``EncoderDecoder``. Prediction is
    ``CRFEncoderDecoder``'s (mmseg's, with an optional DenseCRF).

    Args:
        **kwargs: ``CRFEncoderDecoder`` arguments (``crf`` and those of
            ``EncoderDecoder``).
    """

    def unnormalised(self, inputs: torch.Tensor) -> torch.Tensor:
        """Preprocessed inputs back in [0, 1]."""
        pre = self.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            inputs = inputs * pre.std + pre.mean
        return (inputs / 255.0).clamp(0, 1)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        x = self.extract_feat(inputs)
        kwargs = {}
        if accepts_images(self.decode_head):
            kwargs['images'] = self.unnormalised(inputs)
        head_losses = self.decode_head.loss(x, data_samples, self.train_cfg,
                                            **kwargs)
        losses = {f'decode.{k}': v for k, v in head_losses.items()}
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x,
                                                             data_samples))
        return losses
