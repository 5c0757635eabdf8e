from .cam_labels import cam_labels_from_boxes, cam_labels_from_tags
from .dense_crf import dense_crf
from .distance_fields import (expanding_distance_fields,
                              expanding_distance_fields_batch)
from .hspp import HybridSpatialPyramidPooling
from .memory_bank import (BankField, MemoryBank, MemoryBankMixin,
                          all_gather_entry, check_entry, concat_entries)
from .pac_refiner import (PMP_DILATIONS, PMP_KERNEL_SIZES, PMP_STRIDES,
                          PACRefiner, pac_refiner_layer)
from .sample_fields import sample_points, stack_pixel_field
from .segments import (Segments, class_embedding_sums, downsample_labels,
                       form_segments, nearest_labelled)
from .spherical_kmeans import grid_init_labels, spherical_kmeans
from .visual_words import VisualWordsEncoder

__all__ = [
    'cam_labels_from_boxes', 'cam_labels_from_tags', 'dense_crf',
    'grid_init_labels', 'spherical_kmeans', 'BankField', 'MemoryBank',
    'MemoryBankMixin', 'all_gather_entry', 'check_entry', 'concat_entries',
    'Segments', 'class_embedding_sums', 'downsample_labels', 'form_segments',
    'nearest_labelled', 'HybridSpatialPyramidPooling', 'VisualWordsEncoder',
    'expanding_distance_fields', 'expanding_distance_fields_batch',
    'PACRefiner', 'pac_refiner_layer', 'PMP_KERNEL_SIZES', 'PMP_DILATIONS',
    'PMP_STRIDES', 'sample_points', 'stack_pixel_field'
]
