"""Every config loads, names registered modules and builds its model; the
schedules, training pipelines, SPML loss settings and metafiles agree with
what the config names and the paper say."""
import ast
import copy
import functools
import glob
import os.path as osp
import re

import pytest
import yaml
from mmengine.config import Config

from mmwsss.registry import DATASETS, METRICS, MODELS, TRANSFORMS
from .conftest import REPO

CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True))
LEAVES = [c for c in CONFIGS if '_base_' not in c]
SPML_LEAVES = [c for c in LEAVES if osp.basename(c).startswith('spml_')]
GEOMETRIC = ('WeakRandomResize', 'WeakRandomCrop', 'WeakRandomFlip')


def _rel(path):
    return osp.relpath(path, REPO)


@functools.lru_cache(maxsize=None)
def _load(path):
    return Config.fromfile(path)


def test_configs_found():
    assert len(LEAVES) >= 10
    assert len(SPML_LEAVES) >= 10


@pytest.mark.parametrize('path', LEAVES, ids=_rel)
def test_config_loads_and_builds(path):
    cfg = _load(path)
    assert cfg.default_scope == 'mmwsss'
    assert DATASETS.get(cfg.train_dataloader.dataset.type) is not None
    for t in cfg.train_dataloader.dataset.pipeline:
        assert TRANSFORMS.get(t['type']) is not None, t['type']
    assert METRICS.get(cfg.val_evaluator.type) is not None
    # every named module is reachable
    model = MODELS.build(copy.deepcopy(cfg.model))
    assert model.decode_head.num_classes == len(
        DATASETS.get(cfg.train_dataloader.dataset.type).METAINFO['classes'])
    # every custom learning-rate key reaches a parameter (mmengine matches a
    # key as a substring of the full parameter name)
    keys = cfg.optim_wrapper.get('paramwise_cfg', {}).get('custom_keys', {})
    names = [name for name, _ in model.named_parameters()]
    for key in keys:
        assert any(key in name for name in names), f'{key!r} matches nothing'


def _iters_in_name(name):
    """``..._1xb8-400it_...`` -> 400, ``...-1k_...`` -> 1000, None if the
    name gives no schedule."""
    m = re.search(r'_\d+xb\d+-(\d+)(k|it)_', name)
    if m is None:
        return None
    return int(m.group(1)) * (1000 if m.group(2) == 'k' else 1)


@pytest.mark.parametrize(
    'name, iters', [('pce_r18-tiny_1xb8-400it_toy-64x64_point.py', 400),
                    ('full_r18_1xb8-1k_camvid-176x176.py', 1000),
                    ('x_4xb3-30k_voc12aug-512x512_point.py', 30000),
                    ('spml_r101_voc_scribble.py', None)])
def test_iters_in_name(name, iters):
    assert _iters_in_name(name) == iters


@pytest.mark.parametrize('path', LEAVES, ids=_rel)
def test_schedule_fits(path):
    """The poly (or cosine) decay ends at the last iteration, validation and
    checkpoints fall on it, and the iterations and batch size are those of
    the name."""
    cfg = _load(path)
    assert len(cfg.param_scheduler) == 1
    poly = cfg.param_scheduler[0]
    assert poly.type in ('PolyLR', 'CosineAnnealingLR')  # PMP: cosine
    if poly.type == 'CosineAnnealingLR':
        assert poly.T_max == poly.end
    name = osp.basename(path)
    if cfg.train_cfg.type == 'EpochBasedTrainLoop':  # the CAM schedules
        epochs = cfg.train_cfg.max_epochs
        assert poly.by_epoch and poly.convert_to_iter_based
        assert (poly.begin, poly.end) == (0, epochs)
        assert epochs % cfg.train_cfg.val_interval == 0
        assert epochs % cfg.default_hooks.checkpoint.interval == 0
        assert cfg.train_dataloader.sampler.type == 'DefaultSampler'
        m = re.search(rf'_\d+xb(\d+)-{epochs}e_', name)
        assert m and cfg.train_dataloader.batch_size == int(m.group(1))
        return
    max_iters = cfg.train_cfg.max_iters
    assert not poly.by_epoch
    assert (poly.begin, poly.end) == (0, max_iters)
    assert max_iters % cfg.train_cfg.val_interval == 0
    assert max_iters % cfg.default_hooks.checkpoint.interval == 0
    iters = _iters_in_name(name)
    if iters is not None:
        assert max_iters == iters
    batch = re.search(r'_\d+xb(\d+)-', name)
    if batch is not None:
        assert cfg.train_dataloader.batch_size == int(batch.group(1))


# what bases own: a leaf picks a schedule and a dataset variant instead
BASE_OWNED = ('param_scheduler', 'train_cfg', 'optimizer', 'optim_wrapper',
              'default_hooks', 'train_pipeline', 'test_pipeline')


@pytest.mark.parametrize('path', LEAVES, ids=_rel)
def test_leaf_leaves_schedule_and_pipeline_to_bases(path):
    with open(path) as f:
        tree = ast.parse(f.read())
    assigned = {
        t.id
        for node in tree.body if isinstance(node, ast.Assign)
        for t in node.targets if isinstance(t, ast.Name)
    }
    assert not assigned & set(BASE_OWNED)
    keywords = {n.arg for n in ast.walk(tree) if isinstance(n, ast.keyword)}
    assert 'pipeline' not in keywords


@pytest.mark.parametrize('path', LEAVES, ids=_rel)
def test_training_pipeline(path):
    """Weak labels come from the generator for masks-derived datasets, from
    LoadWeakAnnotations (without the dense mask) otherwise; full supervision
    loads and packs the mask; SPML stage 1 cuts superpixels of the augmented
    crop; the top-level train_pipeline is the one the dataset uses."""
    cfg = _load(path)
    ds = cfg.train_dataloader.dataset
    steps = [t['type'] for t in ds.pipeline]
    assert cfg.train_pipeline == ds.pipeline
    assert steps[0] == 'LoadImageFromFile'
    assert steps[-1] == 'PackWeakSegInputs'
    pack = ds.pipeline[-1]
    if ds.weak_label is None:  # full supervision
        assert steps[1] == 'LoadWeakAnnotations'
        assert ds.pipeline[1].get('with_seg', True)
        assert pack.get('target') == 'dense'
    else:
        assert pack.get('target', 'weak') == 'weak'
        if ds.weak_ann.type == 'from_mask':
            assert steps[1] == 'GenerateWeakLabelsFromMask'
            assert 'LoadWeakAnnotations' not in steps
            assert set(ds.weak_ann) == {'type'}  # settings are the step's
        else:
            assert steps[1] == 'LoadWeakAnnotations'
            assert ds.pipeline[1].with_seg is False
            assert 'GenerateWeakLabelsFromMask' not in steps
    head = cfg.model.decode_head
    trains_embedding = head.type == 'SPMLHead' and head.get(
        'train_embedding', True)
    assert ('GenerateSuperpixels' in steps) == trains_embedding
    if trains_embedding:
        at = steps.index('GenerateSuperpixels')
        assert all(steps.index(g) < at for g in GEOMETRIC)
        assert cfg.custom_hooks == [dict(type='MemoryBankHook')]


# SPML's Table 5 (Ke et al., 2021), typed from the paper: (lambda, kappa) of
# the relations I, C, O, A; None where lambda is 0; images per batch.
TABLE5 = {
    'voc_scribble': ((0.1, 16), (1.0, 6), (0.5, 12), None, 12),
    'voc_point': ((1.0, 16), (1.0, 6), (1.0, 8), None, 12),
    'voc_box': ((0.3, 16), (1.0, 6), (1.0, 8), None, 16),
    'voc_tag': ((0.3, 16), (1.0, 6), (1.0, 8), None, 16),
    'densepose_point': ((0.1, 16), (1.0, 6), None, (0.5, 12), 16),
}
RELATIONS = ('loss_image', 'loss_annotation', 'loss_cooccurrence',
             'loss_affinity')


def _table5_row(name):
    """The Table 5 row an SPML config uses: its own for VOC and DensePose,
    the VOC row of its label kind for the toy set and CamVid."""
    if 'densepose' in name:
        return 'densepose_point'
    for kind in ('box', 'tag', 'point', 'scribble'):
        if f'_{kind}' in name:
            return f'voc_{kind}'
    raise AssertionError(f'{name}: no label kind in the name')


@pytest.mark.parametrize('path', SPML_LEAVES, ids=_rel)
def test_spml_losses_follow_table5(path):
    cfg = _load(path)
    name = osp.basename(path)
    row = TABLE5[_table5_row(name)]
    head = cfg.model.decode_head
    for relation, expected in zip(RELATIONS, row[:4]):
        loss = head.get(relation)
        if expected is None:
            assert loss is None, relation
        else:
            assert loss.type == 'SegSortPlusLoss', relation
            assert (loss.loss_weight, loss.kappa) == expected, relation
    if re.search(r'_r101_|_mit-b2_', name):  # the paper's 4-GPU settings
        assert 4 * cfg.train_dataloader.batch_size == row[4]


def test_spml_loss_settings_written_once():
    """No SPML leaf or SPML model base spells a kappa itself: they take a
    setting of _base_/models/spml_losses.py."""
    bases = glob.glob(osp.join(REPO, 'configs', '_base_', 'models',
                               'spml_*.py'))
    for path in SPML_LEAVES + bases:
        if path.endswith('spml_losses.py'):
            continue
        with open(path) as f:
            assert 'kappa=' not in f.read(), _rel(path)


def _metafiles():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    return index['Import']


def test_model_index_imports_every_metafile():
    found = sorted(
        _rel(p) for p in glob.glob(
            osp.join(REPO, 'configs', '*', 'metafile.yml')))
    assert sorted(_metafiles()) == found
    assert found  # the baseline and SPML folders have one


@pytest.mark.parametrize('metafile', _metafiles())
def test_metafile_lists_its_folder(metafile):
    """Every leaf of the folder is a model, every model's config exists and
    is named after it, and every collection has its README."""
    with open(osp.join(REPO, metafile)) as f:
        meta = yaml.safe_load(f)
    folder = osp.dirname(metafile)
    collections = {c['Name'] for c in meta['Collections']}
    for c in meta['Collections']:
        assert osp.isfile(osp.join(REPO, c['README'])), c['README']
    configs = set()
    for m in meta['Models']:
        assert m['In Collection'] in collections, m['Name']
        assert osp.isfile(osp.join(REPO, m['Config'])), m['Config']
        assert osp.basename(m['Config']) == m['Name'] + '.py'
        assert 'Weights' not in m  # none are published
        for metric, value in m.get('Results', {}).get('Metrics', {}).items():
            assert 0 <= value <= 100, (m['Name'], metric)
        configs.add(m['Config'])
    leaves = {
        _rel(p)
        for p in glob.glob(osp.join(REPO, folder, '*.py'))
    }
    assert configs == leaves


def test_mmwsss_base_reachable_by_package_scope():
    cfg = Config.fromstring(
        "_base_ = ['mmwsss::baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py']\n",
        file_format='.py')
    assert cfg.model.decode_head.loss_decode.type == 'PartialCrossEntropyLoss'
