"""Loads the compiled extension ``mmwsss._ext``, or reports the fallback once."""
import logging
import os

from mmengine.logging import print_log

_STATE = {}


def load_ext():
    """The compiled module, or None (the ops then use their PyTorch reference).

    ``MMWSSS_OPS=reference`` in the environment forces the reference path.
    """
    if 'ext' not in _STATE:
        ext = None
        if os.environ.get('MMWSSS_OPS', '') == 'reference':
            print_log(
                'MMWSSS_OPS=reference: mmwsss.ops use the pure-PyTorch '
                'reference implementations', logger='current')
        else:
            try:
                from mmwsss import _ext as ext
            except ImportError as e:
                print_log(
                    f'mmwsss._ext is not built ({e}); mmwsss.ops use the '
                    f'pure-PyTorch reference implementations (slower, more '
                    f'memory). Build it with `pip install --no-build-isolation '
                    f'-e .`', logger='current')
        _STATE['ext'] = ext
    return _STATE['ext']


def ext_supports(tensor) -> bool:
    """Whether the compiled kernels can run on ``tensor``'s device (the CPU,
    or CUDA when the extension was built with it).

    A CUDA tensor with an extension built without CUDA is reported once.
    """
    ext = load_ext()
    if ext is None:
        return False
    if tensor.device.type == 'cpu':
        return True
    if tensor.is_cuda:
        if ext.with_cuda():
            return True
        if not _STATE.get('reported_no_cuda'):
            _STATE['reported_no_cuda'] = True
            print_log(
                'mmwsss._ext was built without CUDA: mmwsss.ops use the '
                'pure-PyTorch reference implementations on the GPU. Rebuild '
                'it with a CUDA toolkit (or FORCE_CUDA=1)', logger='current',
                level=logging.WARNING)
    return False
