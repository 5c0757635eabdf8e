"""random_walk_cams (SPML's Algorithm 2 on CAMs) against the dense T^64
reference walk."""
import pytest
import torch
import torch.nn.functional as F

from mmwsss.apis import random_walk_cams
from mmwsss.ops.random_walk import random_walk_reference
from .conftest import SPML_TOY_CONFIG


@pytest.fixture(scope='module')
def spml_and_item(toy_root):
    from mmengine.config import Config

    from mmwsss.registry import DATASETS, MODELS
    cfg = Config.fromfile(SPML_TOY_CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    ds_cfg = cfg.val_dataloader.dataset.copy()
    ds_cfg.data_root = toy_root
    item = DATASETS.build(ds_cfg)[0]
    return model, item


def test_walk_matches_the_dense_reference(spml_and_item):
    model, item = spml_and_item
    H, W = item['inputs'].shape[-2:]
    torch.manual_seed(1)
    cams = torch.rand(3, H, W)
    cams[1] = 0  # a class the image does not have
    got = random_walk_cams(model, item, cams)

    data = model.data_preprocessor(
        dict(inputs=[item['inputs']], data_samples=[item['data_samples']]),
        False)
    with torch.no_grad():
        emb = model.decode_head.embed(model.extract_feat(data['inputs']))
    seeds = F.adaptive_avg_pool2d(cams[None], emb.shape[-2:])
    walked = random_walk_reference(F.normalize(emb, dim=1), seeds, 20, 5, 64)
    walked = F.interpolate(walked, size=(H, W), mode='bilinear',
                           align_corners=False)[0].clamp(min=0)
    expected = walked / (walked.flatten(1).amax(1)[:, None, None] + 1e-5)
    assert expected[1].abs().max() == 0
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-3)
    # the walk spreads the CAMs: not the resized seeds
    plain = F.interpolate(seeds, size=(H, W), mode='bilinear',
                          align_corners=False)[0]
    assert (got[0] - plain[0] / plain[0].max()).abs().max() > 1e-2


def test_size_mismatch_is_an_error(spml_and_item):
    model, item = spml_and_item
    with pytest.raises(ValueError, match='CAMs of size 5x5'):
        random_walk_cams(model, item, torch.rand(3, 5, 5))
