"""mmseg's EncoderDecoder with optional DenseCRF post-processing."""
from typing import Optional

import mmcv
import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder

from mmwsss.registry import MODELS
from ..utils.dense_crf import dense_crf


@MODELS.register_module()
class CRFEncoderDecoder(EncoderDecoder):
    """An ``EncoderDecoder`` whose predictions go through DenseCRF when
    ``crf`` is set (SPML's final inference step, for every label type).

    The CRF runs on the softmax of the predicted logits at the original image
    size, with the image read back from ``img_path`` (RGB, uint8).

    Args:
        crf (dict, optional): Arguments of
            :func:`mmwsss.models.utils.dense_crf` (``num_iters``, ``pos_*``,
            ``bi_*``); None (default) predicts as mmseg does.
        **kwargs: ``EncoderDecoder`` arguments.
    """

    def __init__(self, crf: Optional[dict] = None, **kwargs):
        super().__init__(**kwargs)
        self.crf = crf

    def predict(self, inputs, data_samples=None):
        results = super().predict(inputs, data_samples)
        if self.crf is None:
            return results
        for sample in results:
            path = sample.metainfo.get('img_path')
            if path is None:
                raise KeyError('CRFEncoderDecoder needs img_path in the meta '
                               'information to read the image')
            image = mmcv.imread(path, channel_order='rgb')
            logits = sample.seg_logits.data
            if tuple(image.shape[:2]) != tuple(logits.shape[-2:]):
                raise ValueError(f'{path}: image {image.shape[:2]} and '
                                 f'prediction {tuple(logits.shape[-2:])} '
                                 f'sizes differ')
            probs = logits.float().softmax(0).cpu().numpy()
            labels = dense_crf(image, probs, **self.crf).argmax(0)
            sample.pred_sem_seg = PixelData(
                data=torch.from_numpy(labels[None].astype('int64')).to(
                    logits.device))
        return results
