from .pseudo_masks import weak_to_pseudo_mask
from .spml_inference import (collect_prototypes, embed_and_classify,
                             init_spml_model, pseudo_labels,
                             refine_with_random_walk, retrieve_labels)

__all__ = [
    'collect_prototypes', 'embed_and_classify', 'init_spml_model',
    'pseudo_labels', 'refine_with_random_walk', 'retrieve_labels',
    'weak_to_pseudo_mask'
]
