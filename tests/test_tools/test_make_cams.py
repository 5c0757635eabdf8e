"""tools/make_cams.py: CAM files, box restriction and scores against a
direct computation with the model."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from ..conftest import REPO, load_tool

CONFIG = osp.join(REPO, 'configs/cam/cam_r18-tiny_1xb8-400it_toy-64x64_tag.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    from mmengine.config import Config

    from mmwsss.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    path = str(tmp_path_factory.mktemp('cam') / 'cam.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def train_names(toy_root):
    with open(osp.join(toy_root, 'train.txt')) as f:
        return f.read().split()


def run(toy_root, checkpoint, out, *extra, config=CONFIG):
    return load_tool('make_cams').main([
        config, checkpoint, str(out), '--limit', '3', '--device', 'cpu',
        '--cfg-options', f'train_dataloader.dataset.data_root={toy_root}',
        'model.cam_cfg.scales=[1.0]', 'model.cam_cfg.flip=False'
    ] + list(extra))


def test_cam_files_hold_the_tagged_classes(toy_root, checkpoint, tmp_path):
    from mmengine.config import Config
    from mmseg.apis import init_model

    from mmwsss.datasets.weak_annotations.tag_list import load_tag_list
    out = run(toy_root, checkpoint, tmp_path / 'cams', '--labels-dir',
              str(tmp_path / 'labels'))
    classes = ('background', 'disc', 'square', 'triangle')
    tags = load_tag_list(osp.join(toy_root, 'weak/tags.txt'), classes)
    names = train_names(toy_root)[:3]
    cfg = Config.fromfile(CONFIG)
    cfg.model.cam_cfg.scales = [1.0]
    cfg.model.cam_cfg.flip = False
    model = init_model(cfg, checkpoint, device='cpu')
    for name in names:
        data = np.load(tmp_path / 'cams' / f'{name}.npy',
                       allow_pickle=True).item()
        fg = sorted(int(t) - 1 for t in tags[name] if t != 0)
        assert data['keys'].tolist() == fg
        img = cv2.imread(osp.join(toy_root, 'images/train', name + '.png'))
        assert data['high_res'].shape == (len(fg), ) + img.shape[:2]
        # direct: the CAMs of the preprocessed image, normalised
        x = torch.from_numpy(img).permute(2, 0, 1)[None].float()
        x = (x.flip(1) - model.data_preprocessor.mean) / \
            model.data_preprocessor.std
        with torch.no_grad():
            cams = torch.relu(model.decode_head(model.extract_feat(x)))
        cams = torch.nn.functional.interpolate(
            cams, size=img.shape[:2], mode='bilinear', align_corners=False)
        cams = cams / (cams.amax((2, 3), keepdim=True) + 1e-5)
        np.testing.assert_allclose(data['high_res'], cams[0, fg].numpy(),
                                   atol=1e-4)
        labels = cv2.imread(str(tmp_path / 'labels' / f'{name}.png'),
                            cv2.IMREAD_UNCHANGED)
        scores = torch.cat([torch.full_like(cams[0, :1], 0.15),
                            cams[0] * torch.isin(torch.arange(3),
                                                 torch.tensor(fg))[:, None,
                                                                   None]])
        np.testing.assert_array_equal(labels, scores.argmax(0).numpy())
    assert out['images'] == 3
    assert set(out['metrics']) >= {'mIoU', 'J', 'F', 'J&F'}
    assert set(out['per_class_iou']) == set(classes)
    # share of the images tagged with each class (background has no CAM)
    want = {c: sum(classes.index(c) in tags[n] for n in names) / 3
            for c in classes[1:]}
    assert out['tag_share'] == dict(background=0.0, **{
        c: pytest.approx(v, abs=1e-4) for c, v in want.items()})


def test_warns_about_classes_in_almost_every_image(capsys):
    tool = load_tool('make_cams')
    share = dict(road=1.0, sky=0.95, fence=0.47)
    assert tool.warn_always_present(share, 367) == ['road', 'sky']
    assert 'road, sky are among the classes of at least 95%' in \
        capsys.readouterr().out
    # too few images to tell: the names, but no warning
    assert tool.warn_always_present(share, 3) == ['road', 'sky']
    assert capsys.readouterr().out == ''
    assert tool.warn_always_present(dict(fence=0.47), 367) == []


def test_cam_classes_skip_the_background_channel():
    tool = load_tool('make_cams')
    keys = torch.tensor([0, 1, 2])
    assert tool.cam_classes(keys, 4, 0).tolist() == [1, 2, 3]
    assert tool.cam_classes(keys, 4, 2).tolist() == [0, 1, 3]
    assert tool.cam_classes(keys, 3, None).tolist() == [0, 1, 2]


def test_box_cams_stay_inside_their_boxes(toy_root, checkpoint, tmp_path):
    from mmwsss.datasets.weak_annotations.voc_xml import parse_voc_xml
    config = tmp_path / 'box_config.py'
    config.write_text(
        f'_base_ = [{CONFIG!r}]\n'
        'train_dataloader = dict(dataset=dict(weak_ann=dict(\n'
        '    _delete_=True, type="voc_xml", dir="weak/Annotations")))\n')
    run(toy_root, checkpoint, tmp_path / 'box', '--boxes',
        config=str(config))
    name = train_names(toy_root)[0]
    data = np.load(tmp_path / 'box' / f'{name}.npy', allow_pickle=True).item()
    parsed = parse_voc_xml(
        osp.join(toy_root, 'weak/Annotations', name + '.xml'),
        ('background', 'disc', 'square', 'triangle'))
    boxes, labels = parsed['bboxes'], parsed['labels']
    H, W = data['high_res'].shape[1:]
    for k, cam in zip(data['keys'], data['high_res']):
        inside = np.zeros((H, W), bool)
        for (x1, y1, x2, y2), lab in zip(boxes, labels):
            if lab - 1 == k:
                inside[int(np.floor(y1)):int(np.ceil(y2)),
                       int(np.floor(x1)):int(np.ceil(x2))] = True
        assert cam[~inside].max(initial=0) == 0
    assert sorted(data['keys'].tolist()) == sorted(
        set(int(lab) - 1 for lab in labels))


def test_random_walk_option_walks_the_written_cams(toy_root, checkpoint,
                                                   tmp_path):
    from mmengine.config import Config

    from mmwsss.apis import random_walk_cams
    from mmwsss.registry import DATASETS, MODELS
    spml_config = osp.join(
        REPO, 'configs/spml/spml_r18-tiny_1xb8-400it_toy-64x64_scribble.py')
    torch.manual_seed(2)
    spml = MODELS.build(Config.fromfile(spml_config).model).eval()
    spml_ckpt = str(tmp_path / 'spml.pth')
    torch.save(dict(state_dict=spml.state_dict(), meta=dict()), spml_ckpt)
    run(toy_root, checkpoint, tmp_path / 'plain')
    run(toy_root, checkpoint, tmp_path / 'walked', '--random-walk',
        spml_config, spml_ckpt)
    name = train_names(toy_root)[0]

    def load(folder):
        return np.load(tmp_path / folder / f'{name}.npy',
                       allow_pickle=True).item()

    plain, walked = load('plain'), load('walked')
    assert plain['keys'].tolist() == walked['keys'].tolist()
    cfg = Config.fromfile(spml_config)
    ds_cfg = cfg.val_dataloader.dataset.copy()
    ds_cfg.update(data_root=toy_root, ann_file='train.txt',
                  data_prefix=dict(img_path='images/train',
                                   seg_map_path='masks/train'))
    item = DATASETS.build(ds_cfg)[0]
    cams = torch.zeros((3, ) + plain['high_res'].shape[1:])
    cams[torch.from_numpy(plain['keys'])] = torch.from_numpy(
        plain['high_res'])
    expected = random_walk_cams(spml, item, cams)[plain['keys']]
    np.testing.assert_allclose(walked['high_res'], expected.numpy(),
                               atol=1e-4)


def test_without_background_weak_pixels_are_unlabelled(toy_root, tmp_path):
    from mmengine.config import Config

    from mmwsss.registry import MODELS
    config = tmp_path / 'no_bg.py'
    config.write_text(f'_base_ = [{CONFIG!r}]\n'
                      'model = dict(decode_head=dict(background_index=None),'
                      ' cam_cfg=dict(bg_threshold=0.5))\n')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(config)).model)
    ckpt = str(tmp_path / 'no_bg.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    run(toy_root, ckpt, tmp_path / 'cams', '--labels-dir',
        str(tmp_path / 'labels'), config=str(config))
    name = train_names(toy_root)[0]
    data = np.load(tmp_path / 'cams' / f'{name}.npy', allow_pickle=True).item()
    labels = cv2.imread(str(tmp_path / 'labels' / f'{name}.png'),
                        cv2.IMREAD_UNCHANGED)
    weak = data['high_res'].max(0) < 0.5
    assert weak.any() and (~weak).any()
    assert (labels[weak] == 255).all()
    strong = data['keys'][data['high_res'].argmax(0)]
    np.testing.assert_array_equal(labels[~weak], strong[~weak])
