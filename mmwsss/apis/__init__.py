from .inference import inference_dataset
from .pseudo_masks import sample_to_pseudo_mask, weak_to_pseudo_mask
from .spml_inference import (collect_prototypes, init_spml_model,
                             pseudo_labels, refine_with_random_walk,
                             retrieve_labels)

__all__ = [
    'collect_prototypes', 'inference_dataset', 'init_spml_model',
    'pseudo_labels', 'refine_with_random_walk', 'retrieve_labels',
    'sample_to_pseudo_mask', 'weak_to_pseudo_mask'
]
