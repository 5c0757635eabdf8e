from .binomial_is_loss import BinomialISLoss, binomial_is_loss
from .feature_similarity_loss import (FeatureSimilarityLoss,
                                      feature_similarity_loss,
                                      feature_similarity_loss_dense)
from .multilabel_soft_margin_loss import (MultiLabelSoftMarginLoss,
                                          multilabel_soft_margin_loss)
from .partial_cross_entropy_loss import (PartialCrossEntropyLoss,
                                         partial_cross_entropy)
from .segsort_plus_loss import (SegSortPlusLoss, num_with_positive,
                                segsort_plus_loss, segsort_plus_loss_dense)
from .triplet_metric_loss import (TripletMetricLoss, gather_points,
                                  sample_triplets, triplet_metric_loss)

__all__ = [
    'BinomialISLoss', 'binomial_is_loss', 'FeatureSimilarityLoss',
    'feature_similarity_loss', 'feature_similarity_loss_dense',
    'MultiLabelSoftMarginLoss', 'multilabel_soft_margin_loss',
    'PartialCrossEntropyLoss', 'SegSortPlusLoss', 'num_with_positive',
    'partial_cross_entropy',
    'segsort_plus_loss', 'segsort_plus_loss_dense', 'TripletMetricLoss',
    'gather_points', 'sample_triplets', 'triplet_metric_loss'
]
