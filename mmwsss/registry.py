"""Registries of mmwsss, children of mmsegmentation's.

Configs set ``default_scope = 'mmwsss'``; a name that is not registered here is
looked up in the parent (mmseg, then mmengine), so every mmseg module stays
reachable by its plain name.
"""
from mmengine.registry import Registry
from mmseg.registry import DATA_SAMPLERS as MMSEG_DATA_SAMPLERS
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import HOOKS as MMSEG_HOOKS
from mmseg.registry import METRICS as MMSEG_METRICS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import TASK_UTILS as MMSEG_TASK_UTILS
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS
from mmseg.registry import VISBACKENDS as MMSEG_VISBACKENDS
from mmseg.registry import VISUALIZERS as MMSEG_VISUALIZERS

DATASETS = Registry(
    'dataset', parent=MMSEG_DATASETS, locations=['mmwsss.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMSEG_DATA_SAMPLERS, locations=['mmwsss.datasets'])
# Readers of weak-annotation formats (``WeakSegDataset(weak_ann=dict(type=...))``).
WEAK_ANNOTATIONS = Registry(
    'weak annotation', parent=MMSEG_TASK_UTILS,
    locations=['mmwsss.datasets.weak_annotations'])
TRANSFORMS = Registry(
    'transform', parent=MMSEG_TRANSFORMS,
    locations=['mmwsss.datasets.transforms'])
MODELS = Registry('model', parent=MMSEG_MODELS, locations=['mmwsss.models'])
METRICS = Registry(
    'metric', parent=MMSEG_METRICS, locations=['mmwsss.evaluation'])
HOOKS = Registry('hook', parent=MMSEG_HOOKS, locations=['mmwsss.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMSEG_VISUALIZERS,
    locations=['mmwsss.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMSEG_VISBACKENDS,
    locations=['mmwsss.visualization'])
