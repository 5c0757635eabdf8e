from .cam_encoder_decoder import CAMEncoderDecoder
from .crf_encoder_decoder import CRFEncoderDecoder

__all__ = ['CAMEncoderDecoder', 'CRFEncoderDecoder']
