"""Work-arounds for upstream bugs of the frozen OpenMMLab stack on today's torch.

Every patch of third-party behaviour lives in this module, is applied once when
:mod:`mmwsss` is imported, and says which bug it works around. Nothing here edits
installed packages on disk.

1. ``torch.load`` defaults to ``weights_only=True`` since torch 2.6. mmengine
   0.10.7 stores the message hub (``HistoryBuffer``, numpy scalars) in its
   checkpoints and loads them with a plain ``torch.load``, so resuming a run
   fails with ``UnpicklingError``. :func:`patch_checkpoint_loading` registers a
   local-file loader that passes ``weights_only=False``. Checkpoints are trusted
   files the user wrote or downloaded on purpose, as before torch 2.6.
2. mmengine wraps a model for distributed training with
   ``device_ids=[LOCAL_RANK]``, which ``DistributedDataParallel`` rejects for a
   model on the CPU. :func:`adapt_cfg_for_device` sets ``device_ids=None`` and the
   ``gloo`` backend when no GPU is present, so ``tools/dist_train.sh`` also runs
   on CPU-only machines.
"""
import os.path as osp

import torch

_PATCHED = False


def _load_local_checkpoint(filename, map_location=None):
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def patch_checkpoint_loading() -> None:
    """Make mmengine load full local checkpoints with torch >= 2.6."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_local_checkpoint, force=True)


def adapt_cfg_for_device(cfg) -> None:
    """Adjust a runner config for distributed runs on a machine without GPU.

    Args:
        cfg (mmengine.Config): The config, modified in place.
    """
    if torch.cuda.is_available():
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    # SyncBN needs a GPU process group; fall back to plain BN on the CPU.
    cfg.model = _replace_sync_bn(cfg.model)


def _replace_sync_bn(node):
    if isinstance(node, dict):
        node = type(node)({k: _replace_sync_bn(v) for k, v in node.items()})
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        return node
    if isinstance(node, list):
        return [_replace_sync_bn(v) for v in node]
    return node


def apply_all() -> None:
    """Apply every patch once (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    patch_checkpoint_loading()
    _PATCHED = True


apply_all()
