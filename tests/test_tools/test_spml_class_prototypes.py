"""tools/spml_class_prototypes.py against a cell-by-cell computation."""
import importlib.util
import os.path as osp

import torch
import torch.nn.functional as F

from ..conftest import REPO

CONFIG = osp.join(
    REPO, 'configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py')


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'spml_class_prototypes_tool',
        osp.join(REPO, 'tools/spml_class_prototypes.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_tool_writes_exact_class_means(toy_root, tmp_path, capsys):
    from mmengine.config import Config
    from mmseg.apis import init_model

    from mmwsss.registry import DATASETS, MODELS
    cfg = Config.fromfile(CONFIG)
    cfg.train_dataloader.dataset.data_root = toy_root
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'stage1.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    out = str(tmp_path / 'with_prototypes.pth')
    load_tool().main([CONFIG, ckpt, out, '--limit', '3', '--device', 'cpu',
                      '--batch-size', '2', '--cfg-options',
                      f'train_dataloader.dataset.data_root={toy_root}'])
    assert 'class prototypes from 3 images' in capsys.readouterr().out
    got = torch.load(out, weights_only=False)['state_dict'][
        'decode_head.class_prototypes']

    # independent: embed each image, label each 8 x 8 cell by the majority
    # of its labelled pixels (ties: smaller class), sum per class
    model = init_model(cfg, ckpt, device='cpu')
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg.pipeline = [dict(type='LoadImageFromFile'),
                       dict(type='LoadWeakAnnotations', with_seg=False),
                       dict(type='PackWeakSegInputs')]
    dataset = DATASETS.build(ds_cfg)
    C = model.decode_head.num_classes
    sums = torch.zeros(C, model.decode_head.embed_dim, dtype=torch.float64)
    for i in range(3):
        data = dataset[i]
        batch = model.data_preprocessor(
            dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
            False)
        with torch.no_grad():
            emb = model.decode_head.embed(model.extract_feat(batch['inputs']))
        gt = data['data_samples'].gt_sem_seg.data[0]
        H, W = gt.shape
        h, w = emb.shape[-2:]
        for y in range(h):
            for x in range(w):
                cell = gt[y * H // h:(y + 1) * H // h,
                          x * W // w:(x + 1) * W // w]
                lab = cell[cell != 255]
                if lab.numel():
                    counts = torch.bincount(lab, minlength=C)
                    sums[int(counts.argmax())] += emb[0, :, y, x].double()
    want = F.normalize(sums, dim=1).float()
    assert want.abs().sum() > 0
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


def test_non_spml_model_is_an_error_naming_the_config(tmp_path):
    import pytest
    from mmengine.config import Config

    from mmwsss.apis import init_spml_model
    from mmwsss.registry import MODELS
    config = osp.join(
        REPO, 'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py')
    model = MODELS.build(Config.fromfile(config).model)
    ckpt = str(tmp_path / 'pce.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    with pytest.raises(TypeError, match=r'pce_r18-tiny.*must be an SPMLHead'):
        init_spml_model(config, ckpt)
