"""Fixtures of the op tests: the compiled extension, watched."""
import collections
import os

import pytest

from mmwsss.ops import ext_loader

EXT_MISSING = (
    'mmwsss._ext did not build or failed to import (see the log line of '
    'mmwsss.ops.ext_loader above): the ops fall back to their pure-PyTorch '
    'references, and a parity test would compare a reference with itself. '
    'Build it with `pip install --no-build-isolation -e .`, or set '
    'MMWSSS_OPS=reference to run the reference tests alone.')


class ExtSpy:
    """Wraps ``mmwsss._ext`` and counts the calls of each kernel."""

    def __init__(self, ext):
        self._ext = ext
        self.calls = collections.Counter()

    def __getattr__(self, name):
        attr = getattr(self._ext, name)
        if not callable(attr) or name == 'with_cuda':
            return attr

        def call(*args, **kwargs):
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def compiled(monkeypatch):
    """The loaded extension as an :class:`ExtSpy` the ops call through.

    Fails when the extension is missing; skips when ``MMWSSS_OPS=reference``
    asks for the references alone.
    """
    if os.environ.get('MMWSSS_OPS') == 'reference':
        pytest.skip('MMWSSS_OPS=reference: the references run alone, the '
                    'parity tests need mmwsss._ext')
    ext = ext_loader.load_ext()
    if ext is None:
        pytest.fail(EXT_MISSING, pytrace=False)
    spy = ExtSpy(ext)
    monkeypatch.setitem(ext_loader._STATE, 'ext', spy)
    return spy
