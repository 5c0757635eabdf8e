from .crf_encoder_decoder import CRFEncoderDecoder

__all__ = ['CRFEncoderDecoder']
