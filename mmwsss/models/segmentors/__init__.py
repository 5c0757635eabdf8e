from .cam_encoder_decoder import CAMEncoderDecoder
from .crf_encoder_decoder import CRFEncoderDecoder
from .image_guided_encoder_decoder import ImageGuidedEncoderDecoder

__all__ = [
    'CAMEncoderDecoder', 'CRFEncoderDecoder', 'ImageGuidedEncoderDecoder'
]
