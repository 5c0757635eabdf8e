"""Compiled ops (C++ on the CPU, CUDA on the GPU) with PyTorch references."""
from .ext_loader import load_ext
from .local_weighted_sum import (grid_offsets, local_dot, local_dot_reference,
                                 local_weighted_sum,
                                 local_weighted_sum_reference,
                                 neighbour_offsets)
from .pac import pac
from .pamr import PAMR, pamr, pamr_affinity, pamr_reference
from .random_walk import (random_walk, random_walk_color,
                          random_walk_reference)

__all__ = [
    'PAMR', 'grid_offsets', 'load_ext', 'local_dot', 'local_dot_reference',
    'local_weighted_sum', 'local_weighted_sum_reference', 'neighbour_offsets',
    'pac', 'pamr', 'pamr_affinity', 'pamr_reference', 'random_walk',
    'random_walk_color', 'random_walk_reference'
]
