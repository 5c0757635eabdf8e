"""tools/dataset_converters/camvid.py on files in the SegNet CamVid layout."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmwsss.datasets import CamVidWeakDataset
from ..conftest import REPO


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'camvid_tool', osp.join(REPO, 'tools/dataset_converters/camvid.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def segnet_camvid(root, splits=('train', 'val'), h=48, w=64):
    rng = np.random.default_rng(0)
    files = {}
    for split in splits:
        os.makedirs(osp.join(root, split))
        os.makedirs(osp.join(root, split + 'annot'))
        for k in range(2):
            name = f'0001TP_{split}_{k:03d}'
            # smooth, so that JPEG keeps it close
            img = cv2.resize(rng.integers(40, 216, (3, 4, 3)).astype(
                np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
            ann = rng.integers(0, 12, (h, w)).astype(np.uint8)
            cv2.imwrite(osp.join(root, split, name + '.png'), img)
            cv2.imwrite(osp.join(root, split + 'annot', name + '.png'), ann)
            files[(split, name)] = (img, ann)
    return files


@pytest.mark.parametrize('half', [False, True])
def test_converts_to_the_config_layout(tmp_path, half):
    files = segnet_camvid(str(tmp_path / 'CamVid'))
    out = str(tmp_path / 'camvid')
    args = [str(tmp_path / 'CamVid'), out, '--splits', 'train', 'val']
    load_tool().main(args + (['--half'] if half else []))
    for (split, name), (img, ann) in files.items():
        with open(osp.join(out, split + '.txt')) as f:
            assert name in f.read().split()
        mask = cv2.imread(osp.join(out, 'masks', split, name + '.png'), -1)
        jpg = cv2.imread(osp.join(out, 'images', split, name + '.jpg'))
        if half:
            # nearest: every second pixel; area: the mean of each 2x2 block
            np.testing.assert_array_equal(mask, ann[::2, ::2])
            want = img.reshape(24, 2, 32, 2, 3).astype(float).mean((1, 3))
            want = np.floor(want + 0.5).astype(np.uint8)
        else:
            np.testing.assert_array_equal(mask, ann)
            want = img
        # the same pixels through the same JPEG encoder (quality 92)
        ok, enc = cv2.imencode('.jpg', want, [cv2.IMWRITE_JPEG_QUALITY, 92])
        assert ok
        diff = np.abs(jpg.astype(int) - cv2.imdecode(enc, cv2.IMREAD_COLOR))
        assert diff.max() <= 1
    # the configs' dataset reads the result, void (11) ignored
    ds = CamVidWeakDataset(
        data_root=out, data_prefix=dict(img_path='images/train',
                                        seg_map_path='masks/train'),
        ann_file='train.txt',
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadWeakAnnotations')])
    r = ds[0]
    ann = files[('train', '0001TP_train_000')][1]
    ann = ann[::2, ::2] if half else ann
    expected = np.where(ann == 11, 255, ann)
    np.testing.assert_array_equal(r['gt_seg_map'], expected)


def test_bad_files_name_the_file(tmp_path):
    root = str(tmp_path / 'CamVid')
    segnet_camvid(root, splits=('train', ))
    bad = osp.join(root, 'trainannot', '0001TP_train_001.png')
    cv2.imwrite(bad, np.full((48, 64), 14, np.uint8))
    with pytest.raises(ValueError, match=r'0001TP_train_001.png: values \[14\]'):
        load_tool().main([root, str(tmp_path / 'o'), '--splits', 'train'])
    with pytest.raises(FileNotFoundError, match='valannot'):
        os.makedirs(osp.join(root, 'val'))
        load_tool().main([root, str(tmp_path / 'o'), '--splits', 'val'])
