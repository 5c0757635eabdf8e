from .partial_cross_entropy_loss import (PartialCrossEntropyLoss,
                                         partial_cross_entropy)

__all__ = ['PartialCrossEntropyLoss', 'partial_cross_entropy']
