from .cam_inference import (cam_file, cam_inference, random_walk_cams,
                            restrict_cams_to_boxes, save_cams)
from .inference import inference_dataset
from .pseudo_masks import sample_to_pseudo_mask, weak_to_pseudo_mask
from .spml_inference import (collect_prototypes, init_spml_model,
                             pseudo_labels, refine_with_random_walk,
                             retrieve_labels)

__all__ = [
    'cam_file', 'cam_inference', 'collect_prototypes', 'inference_dataset',
    'init_spml_model', 'pseudo_labels', 'random_walk_cams',
    'refine_with_random_walk',
    'restrict_cams_to_boxes', 'retrieve_labels', 'sample_to_pseudo_mask',
    'save_cams', 'weak_to_pseudo_mask'
]
