"""GenerateSuperpixels, LoadSuperpixels and the precomputing tool."""
import importlib.util
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from skimage import segmentation

from mmwsss.datasets.transforms import (GenerateSuperpixels, LoadSuperpixels,
                                        WeakRandomCrop, WeakRandomFlip)
from ..conftest import REPO


def image(seed=0, h=40, w=56):
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.uint8)
    img[:, :w // 2] = (200, 30, 30)
    img[h // 2:, w // 2:] = (20, 180, 40)
    img[:h // 2, w // 2:] = (10, 20, 220)
    return np.clip(img + rng.integers(0, 12, img.shape), 0, 255).astype(
        np.uint8)


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'superpixels_tool',
        osp.join(REPO, 'tools/dataset_converters/superpixels.py'))
    tool = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = tool  # the worker pool pickles its class
    spec.loader.exec_module(tool)
    return tool


def same_partition(a, b):
    """Two region maps describe the same regions (ids may differ)."""
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return pairs.shape[1] == len(np.unique(a)) == len(np.unique(b))


@pytest.mark.parametrize('method,kwargs', [
    ('felzenszwalb', dict(scale=50, min_size=20)),
    ('slic', dict(n_segments=12, compactness=10, start_label=0)),
])
def test_generate_matches_scikit_image_on_rgb(method, kwargs):
    bgr = image()
    out = GenerateSuperpixels(method, **kwargs)(dict(img=bgr.copy()))
    regions = out['gt_superpixels']
    assert regions.dtype == np.uint16 and regions.shape == bgr.shape[:2]
    # consecutive ids from 0
    assert np.array_equal(np.unique(regions), np.arange(regions.max() + 1))
    want = getattr(segmentation, method)(
        np.ascontiguousarray(bgr[..., ::-1]), **kwargs)
    assert same_partition(regions, want)
    assert regions.max() >= 2  # three coloured blocks at least


def test_generate_rejects_unknown_method():
    with pytest.raises(ValueError, match='method must be one of'):
        GenerateSuperpixels('watershed')


def test_load_grey_and_colour_pngs_and_follow_crops(tmp_path):
    regions = np.zeros((6, 8), np.int64)
    regions[:, 4:] = 300  # beyond uint8
    regions[3:, :4] = 7
    cv2.imwrite(str(tmp_path / 'a.png'), regions.astype(np.uint16))
    colour = np.zeros((6, 8, 3), np.uint8)
    colour[:, 4:] = (0, 255, 0)
    colour[3:, :4] = (9, 9, 9)
    cv2.imwrite(str(tmp_path / 'b.png'), colour)
    for name in ('a', 'b'):
        res = dict(img=np.zeros((6, 8, 3), np.uint8), img_shape=(6, 8),
                   img_path=f'/x/{name}.jpg')
        res = LoadSuperpixels(str(tmp_path))(res)
        assert 'gt_superpixels' not in res.get('seg_fields', [])
        assert same_partition(res['gt_superpixels'], regions)
    # the geometric transforms crop and flip it with the image
    res['img'] = np.arange(48).reshape(6, 8, 1).repeat(3, 2).astype(np.uint8)
    res['gt_superpixels'] = res['gt_superpixels'].copy()
    before = res['gt_superpixels'].copy()
    crop = WeakRandomCrop(crop_size=(4, 5))
    res = crop(res)
    y, x = np.unravel_index(int(res['img'][0, 0, 0]), (6, 8))
    assert np.array_equal(res['gt_superpixels'], before[y:y + 4, x:x + 5])
    flipped = WeakRandomFlip(prob=1.0)(res)
    assert np.array_equal(flipped['gt_superpixels'],
                          before[y:y + 4, x:x + 5][:, ::-1])


def test_load_errors_name_the_file(tmp_path):
    cv2.imwrite(str(tmp_path / 'a.png'), np.zeros((5, 5), np.uint8))
    res = dict(img=np.zeros((6, 8, 3), np.uint8), img_shape=(6, 8))
    with pytest.raises(ValueError, match=r'a\.png: size'):
        LoadSuperpixels(str(tmp_path))(dict(res, img_path='/x/a.jpg'))
    with pytest.raises(FileNotFoundError, match=r'c\.png'):
        LoadSuperpixels(str(tmp_path))(dict(res, img_path='/x/c.jpg'))


def test_precompute_tool_equals_on_the_fly(tmp_path, capsys):
    src = tmp_path / 'images'
    src.mkdir()
    for i in range(3):
        cv2.imwrite(str(src / f'im{i}.jpg'), image(i))
    (src / 'notes.txt').write_text('not an image')
    out = tmp_path / 'sp'
    tool = load_tool()
    tool.main([str(src), str(out), '--param', 'scale=50', 'min_size=20',
               '--nproc', '2'])
    assert 'wrote 3 over-segmentations' in capsys.readouterr().out
    for i in range(3):
        img = cv2.imread(str(src / f'im{i}.jpg'))
        loaded = LoadSuperpixels(str(out))(dict(
            img=img, img_shape=img.shape[:2],
            img_path=str(src / f'im{i}.jpg')))['gt_superpixels']
        fly = GenerateSuperpixels(scale=50, min_size=20)(dict(
            img=img))['gt_superpixels']
        assert np.array_equal(loaded, fly)

    bad = tmp_path / 'bad'
    bad.mkdir()
    (bad / 'broken.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match=r'broken\.png: not an image'):
        tool.main([str(bad), str(tmp_path / 'o2')])
