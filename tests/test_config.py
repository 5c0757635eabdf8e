"""Every config loads, names registered modules, and builds its model."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmwsss.registry import DATASETS, MODELS, TRANSFORMS
from .conftest import REPO

CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True))
LEAVES = [c for c in CONFIGS if '_base_' not in c]


def test_configs_found():
    assert len(LEAVES) >= 10


@pytest.mark.parametrize('path', LEAVES, ids=lambda p: osp.relpath(p, REPO))
def test_config_loads_and_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmwsss'
    assert DATASETS.get(cfg.train_dataloader.dataset.type) is not None
    for t in cfg.train_dataloader.dataset.pipeline:
        assert TRANSFORMS.get(t['type']) is not None, t['type']
    model = MODELS.build(cfg.model)  # every named module is reachable
    assert model.decode_head.num_classes == len(
        DATASETS.get(cfg.train_dataloader.dataset.type).METAINFO['classes'])


def test_mmwsss_base_reachable_by_package_scope():
    cfg = Config.fromstring(
        "_base_ = ['mmwsss::baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py']\n",
        file_format='.py')
    assert cfg.model.decode_head.loss_decode.type == 'PartialCrossEntropyLoss'
