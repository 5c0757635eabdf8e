"""Prototypes of previous batches (SPML's memory bank)."""
from typing import Dict, List, Optional

import torch

ENTRY_KEYS = ('prototypes', 'labels', 'image', 'tags')


class PrototypeMemoryBank:
    """A first-in first-out store of the segment prototypes of the last
    ``num_batches`` batches, with their labels, images and image tags.

    An entry is a dict of detached tensors: ``prototypes`` (S, D), ``labels``
    (S,) long (-1 = unlabelled), ``image`` (S,) long index into ``tags``,
    ``tags`` (I, C) multi-hot tags of the entry's images. The bank's segments
    take part in the annotation, co-occurrence and feature-affinity
    relations as extra (constant) segments.

    Args:
        num_batches (int): Batches kept (SPML: 2).
    """

    def __init__(self, num_batches: int = 2):
        self.num_batches = num_batches
        self.entries: List[Dict[str, torch.Tensor]] = []

    def __len__(self) -> int:
        return len(self.entries)

    def push(self, entry: Dict[str, torch.Tensor]) -> None:
        missing = [k for k in ENTRY_KEYS if k not in entry]
        if missing:
            raise KeyError(f'memory bank entry lacks {missing}')
        self.entries.append({k: entry[k].detach() for k in ENTRY_KEYS})
        del self.entries[:-self.num_batches or len(self.entries)]

    def get(self, device=None) -> Optional[Dict[str, torch.Tensor]]:
        """All kept segments as one entry (image indices made distinct), or
        None when empty."""
        if not self.entries:
            return None
        out = {k: [] for k in ENTRY_KEYS}
        offset = 0
        for e in self.entries:
            out['prototypes'].append(e['prototypes'])
            out['labels'].append(e['labels'])
            out['image'].append(e['image'] + offset)
            out['tags'].append(e['tags'])
            offset += e['tags'].shape[0]
        return {k: torch.cat(v).to(device) for k, v in out.items()}

    def state_dict(self) -> dict:
        return dict(num_batches=self.num_batches,
                    entries=[{k: v.cpu() for k, v in e.items()}
                             for e in self.entries])

    def load_state_dict(self, state: dict) -> None:
        self.num_batches = state['num_batches']
        self.entries = [dict(e) for e in state['entries']]
