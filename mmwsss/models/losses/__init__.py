from .partial_cross_entropy_loss import (PartialCrossEntropyLoss,
                                         partial_cross_entropy)
from .segsort_plus_loss import (SegSortPlusLoss, num_with_positive,
                                segsort_plus_loss, segsort_plus_loss_dense)

__all__ = [
    'PartialCrossEntropyLoss', 'SegSortPlusLoss', 'num_with_positive',
    'partial_cross_entropy',
    'segsort_plus_loss', 'segsort_plus_loss_dense'
]
