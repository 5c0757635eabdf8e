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
2. mmengine cannot train distributed on a machine without GPU: its launcher
   set-up calls ``torch.cuda.set_device`` unconditionally, and it wraps the
   model with ``device_ids=[LOCAL_RANK]``, which ``DistributedDataParallel``
   rejects for a model on the CPU. :func:`patch_cpu_distributed` skips
   ``set_device`` when CUDA is unavailable, and :func:`adapt_cfg_for_device`
   sets ``device_ids=None``, the ``gloo`` backend and plain BN, so
   ``tools/dist_train.sh`` also runs on CPU-only machines.
3. mmengine resolves ``pkg::path`` config inheritance only for a hard-coded list
   of OpenMMLab packages, and finds a package's folder through its
   distribution's location, which is wrong for editable installs.
   :func:`register_config_scope` adds ``mmwsss`` to that list and resolves it to
   the folder of the imported package, so ``_base_ = 'mmwsss::...'`` works
   (``mmwsss`` must be imported first, as ``tools/*.py`` do).
4. mmengine never destroys the process group; the gloo group is then torn
   down during interpreter finalisation, which can abort a finished run
   ("terminate called without an active exception", seen under heavy CPU
   load). :func:`finish_distributed`, called by ``tools/train.py`` and
   ``tools/test.py`` after dropping the runner, destroys it while the
   interpreter is alive.
"""
import gc
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


def patch_cpu_distributed() -> None:
    """Skip ``torch.cuda.set_device`` in mmengine's launcher set-up on
    machines without CUDA."""
    from mmengine.dist import utils as dist_utils
    original = dist_utils._init_dist_pytorch
    if getattr(original, '_mmwsss', False):
        return

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs):
        if torch.cuda.is_available():
            return original(backend, init_backend, **kwargs)
        if init_backend != 'torch':
            raise ValueError(f'init_backend {init_backend!r} needs a GPU')
        torch.distributed.init_process_group(backend=backend, **kwargs)

    _init_dist_pytorch._mmwsss = True
    dist_utils._init_dist_pytorch = _init_dist_pytorch


def finish_distributed() -> None:
    """Destroy the process group at the end of a run.

    mmengine leaves it to the interpreter's exit, where gloo's threads can
    still be running and the process aborts ("terminate called without an
    active exception") after the run has finished. Drop the runner first
    (``del runner``): its DDP wrapper holds the group, which would otherwise
    outlive this call and still be destroyed at exit. Unreachable objects
    are collected before the group is destroyed.
    """
    if torch.distributed.is_available() and \
            torch.distributed.is_initialized():
        gc.collect()
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
        gc.collect()


def register_config_scope() -> None:
    """Let ``mmwsss::`` config paths resolve to ``mmwsss/.mim/configs``."""
    import mmengine.config.config as config_module
    from mmengine.config import utils as config_utils
    config_utils.MODULE2PACKAGE.setdefault('mmwsss', 'mmwsss')
    original = config_module.get_installed_path
    if getattr(original, '_mmwsss', False):
        return

    def get_installed_path(package: str) -> str:
        if package == 'mmwsss':
            return osp.dirname(osp.abspath(__file__))
        return original(package)

    get_installed_path._mmwsss = True
    config_module.get_installed_path = get_installed_path


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
    patch_cpu_distributed()
    register_config_scope()
    _PATCHED = True


apply_all()
