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
