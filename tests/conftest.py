import importlib.util
import os.path as osp

import pytest

from mmwsss.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED = osp.join(osp.dirname(REPO), 'shared')

register_all_modules(init_default_scope=True)


@pytest.fixture(scope='session')
def toy_root(tmp_path_factory):
    from mmwsss.datasets import make_toy_dataset
    root = str(tmp_path_factory.mktemp('toy'))
    return make_toy_dataset(root, num_train=12, num_val=4, size=48, seed=3)


def load_tool(name):
    """``tools/<name>.py`` loaded as a module."""
    spec = importlib.util.spec_from_file_location(
        f'{name}_tool', osp.join(REPO, 'tools', name + '.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool
