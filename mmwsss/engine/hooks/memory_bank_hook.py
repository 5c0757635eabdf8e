"""Fills the memory banks of SPML heads after every training iteration."""
from typing import Dict, List

import torch
from mmengine.dist import all_gather, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmwsss.registry import HOOKS


def gather_entry(entry: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """One memory-bank entry holding every rank's segments, in rank order.

    Entries differ in size between ranks; they are padded to the largest,
    gathered with ``all_gather`` and cut back. Image indices are offset so
    that they stay distinct.
    """
    if get_world_size() == 1:
        return entry
    dev = entry['prototypes'].device
    sizes = torch.tensor([entry['prototypes'].shape[0], entry['tags'].shape[0]],
                         device=dev)
    all_sizes = torch.stack(all_gather(sizes)).tolist()
    max_s = max(s for s, _ in all_sizes)
    max_i = max(i for _, i in all_sizes)

    def padded(t, n):
        pad = t.new_zeros((n - t.shape[0], ) + t.shape[1:])
        return torch.cat([t, pad])

    parts = {k: all_gather(padded(entry[k], max_s))
             for k in ('prototypes', 'labels', 'image')}
    tags = all_gather(padded(entry['tags'], max_i))
    out = {k: [] for k in ('prototypes', 'labels', 'image', 'tags')}
    offset = 0
    for r, (s, i) in enumerate(all_sizes):
        out['prototypes'].append(parts['prototypes'][r][:s])
        out['labels'].append(parts['labels'][r][:s])
        out['image'].append(parts['image'][r][:s] + offset)
        out['tags'].append(tags[r][:i])
        offset += i
    return {k: torch.cat(v) for k, v in out.items()}


@HOOKS.register_module()
class MemoryBankHook(Hook):
    """Pushes each SPML head's segments of the last batch into its memory
    bank, gathered from every rank so that all ranks hold the same bank, and
    saves the banks in checkpoints (``checkpoint['memory_banks']``) so that a
    resumed run continues with them.

    Every module of the model with ``memory_bank`` and ``pending_entry``
    attributes (:class:`mmwsss.models.SPMLHead`) is served.
    """

    priority = 'NORMAL'

    @staticmethod
    def _heads(runner) -> Dict[str, torch.nn.Module]:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        return {name: m for name, m in model.named_modules()
                if getattr(m, 'memory_bank', None) is not None
                and hasattr(m, 'pending_entry')}

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        for head in self._heads(runner).values():
            if head.pending_entry is None:
                continue
            head.memory_bank.push(gather_entry(head.pending_entry))
            head.pending_entry = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['memory_banks'] = {
            name: head.memory_bank.state_dict()
            for name, head in self._heads(runner).items()}

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.get('memory_banks', {})
        for name, head in self._heads(runner).items():
            if name in states:
                head.memory_bank.load_state_dict(states[name])
