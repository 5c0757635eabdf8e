"""PMP's point blots: the generator, its transforms, packing and the tool."""
import importlib.util
import os
import os.path as osp
import zlib

import cv2
import numpy as np
import pytest
import torch
from scipy import ndimage

from mmwsss.datasets.generators import perturb_points, point_blots
from mmwsss.datasets.transforms import (GeneratePointBlots, LoadPointBlots,
                                        PackWeakSegInputs, WeakRandomFlip)
from mmwsss.ops.random_walk import random_walk_color

from ..conftest import REPO

BG, RED, BLUE = (40, 40, 40), (200, 30, 30), (30, 30, 200)


def two_rectangles():
    """A red and a blue rectangle on a dark background, their masks, and a
    point at the centre of each region (labels 1, 2; background 0)."""
    img = np.empty((40, 64, 3), np.uint8)
    img[:] = BG
    red = np.zeros((40, 64), bool)
    red[6:26, 4:24] = True  # 20 x 20
    blue = np.zeros((40, 64), bool)
    blue[12:32, 38:58] = True
    img[red], img[blue] = RED, BLUE
    points = np.array([[14.5, 16.5], [48.5, 22.5], [31.5, 36.5]], np.float32)
    labels = np.array([1, 2, 0])
    return img, red, blue, points, labels


def iou(a, b):
    return (a & b).sum() / (a | b).sum()


def literal_blots(img, points, labels, num_classes, num_steps=40,
                  prob_threshold=0.9, min_reach=0.01):
    """The unperturbed blots by the definition: one walk of the whole image
    with a channel per class, the winning class with probability >=
    prob_threshold where the walk reached, the component of each point."""
    h, w = img.shape[:2]
    seeds = torch.zeros(1, num_classes, h, w)
    for (x, y), c in zip(points, labels):
        seeds[0, :, int(y), int(x)] = 0
        seeds[0, c, int(y), int(x)] = 1
    image = torch.from_numpy(img.astype(np.float32) / 255).permute(2, 0, 1)
    scores = random_walk_color(image[None], seeds, num_steps=num_steps,
                               radius=1, sigma=0.1)[0].numpy()
    reach = scores.sum(0)
    winner = scores.argmax(0)
    keep = (scores.max(0) >= prob_threshold * reach) & (reach >= min_reach)
    out = np.full((h, w), 255, np.uint8)
    for (x, y), c in zip(points, labels):
        comp, _ = ndimage.label(keep & (winner == c), np.ones((3, 3)))
        blot = comp == comp[int(y), int(x)]
        out[blot & (out == 255)] = c
    return out


def test_blots_stay_in_their_flat_colour_region():
    img, red, blue, points, labels = two_rectangles()
    out = point_blots(img, points, labels, 3, rng=0)
    assert not ((out == 1) & ~red).any()  # never across the strong edges
    assert not ((out == 2) & ~blue).any()
    assert not ((out == 0) & (red | blue)).any()
    assert iou(out == 1, red) > 0.8
    assert iou(out == 2, blue) > 0.8
    # the background is larger than the walk: its blot is local
    assert 0 < (out == 0).sum() < (~(red | blue)).sum()


@pytest.mark.parametrize('window', [None, 40])
def test_unperturbed_blots_are_components_of_the_thresholded_walk(window):
    """With k = 0, each blot is the connected component of its point in the
    thresholded whole-image walk (a window larger than the image is the
    whole image)."""
    rng = np.random.default_rng(0)
    img = cv2.resize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8),
                     (32, 24), interpolation=cv2.INTER_NEAREST)
    img = cv2.GaussianBlur(img, (3, 3), 0)  # blocks of colour, soft edges
    points = np.array([[2.5, 2.5], [20.5, 5.5], [9.5, 17.5], [28.5, 20.5],
                       [14.5, 10.5], [5.5, 21.5]], np.float32)
    labels = np.array([0, 1, 2, 1, 3, 0])
    out = point_blots(img, points, labels, 4, num_perturbations=0,
                      window=window)
    want = literal_blots(img, points, labels, 4)
    np.testing.assert_array_equal(out, want)
    assert (out != 255).sum() > 6 * 10  # the blots grew


def test_default_window_matches_the_whole_image_walk_on_small_blots():
    img, _, _, points, labels = two_rectangles()
    np.testing.assert_array_equal(
        point_blots(img, points, labels, 3, num_perturbations=0),
        literal_blots(img, points, labels, 3))


def halves():
    """Left half red, right half blue; a point in the red half."""
    img = np.empty((30, 60, 3), np.uint8)
    img[:, :30], img[:, 30:] = RED, BLUE
    return img, np.array([[15.5, 15.5]], np.float32), np.array([1])


def test_kl_rejects_a_candidate_of_another_colour():
    img, points, labels = halves()
    on_blue = np.array([[[45.5, 15.5]]])  # one perturbation, onto the blue
    kw = dict(perturbed=on_blue, iou_threshold=-1.0, window=10)  # IoU: off
    base = point_blots(img, points, labels, 2, num_perturbations=0,
                       window=10)
    rejected = point_blots(img, points, labels, 2, **kw)
    np.testing.assert_array_equal(rejected, base)
    assert not (rejected[:, 30:] != 255).any()
    accepted = point_blots(img, points, labels, 2, kl_threshold=np.inf, **kw)
    assert (accepted[:, 30:] == 1).sum() > 50  # merged into the blot


def test_kl_and_iou_accept_a_shifted_candidate_of_the_same_colour():
    img, points, labels = halves()
    base = point_blots(img, points, labels, 2, num_perturbations=0,
                       window=10)
    moved = point_blots(img, points, labels, 2, window=10,
                        perturbed=np.array([[[11.5, 19.5]]]))
    assert (moved == 1).sum() > (base == 1).sum()
    assert ((moved == 1) | (base != 1)).all()  # b <- b | bt
    assert not (moved[:, 30:] != 255).any()


def test_iou_rejects_a_candidate_on_a_separate_region_of_the_same_colour():
    img, red, blue, points, labels = two_rectangles()
    img[blue] = RED  # two red rectangles: the KL alone would accept
    jump = np.array([[[48.5, 22.5]]])  # the red point jumps across
    rejected = point_blots(img, points[:1], labels[:1], 3, perturbed=jump)
    assert not (rejected[blue] != 255).any()
    accepted = point_blots(img, points[:1], labels[:1], 3, perturbed=jump,
                           iou_threshold=-1.0)
    assert (accepted[blue] == 1).sum() > 300


def test_deterministic_per_seed():
    img, _, _, points, labels = two_rectangles()
    noisy = np.clip(img + np.random.default_rng(0).normal(
        0, 12, img.shape), 0, 255).astype(np.uint8)
    a = point_blots(noisy, points, labels, 3, rng=5)
    np.testing.assert_array_equal(
        a, point_blots(noisy, points, labels, 3, rng=5))
    np.testing.assert_array_equal(
        a, point_blots(noisy, points, labels, 3,
                       rng=np.random.default_rng(5)))
    moves = [perturb_points(points, (40, 64), rng=np.random.default_rng(s))
             for s in (5, 6)]
    assert not np.allclose(*moves)
    assert moves[0].shape == (10, 3, 2)
    assert (moves[0] >= 0).all() and (moves[0][..., 0] < 64).all() and (
        moves[0][..., 1] < 40).all()


def test_translation_schedule_grows_and_rotation_is_about_the_centroid():
    points = np.array([[10., 10.], [30., 10.]])
    moves = perturb_points(points, (100, 100), 50, max_rotation=0,
                           max_translation=(1, 20),
                           rng=np.random.default_rng(0))
    shift = np.abs(moves[:, 0] - points[0])
    assert shift[:5].max() <= 1 + 20 * 4 / 49 + 1e-4
    assert shift[-5:].max() > 5
    np.testing.assert_allclose(moves[:, 1] - moves[:, 0], [[20, 0]] * 50,
                               atol=1e-4)  # no rotation: a pure shift
    turned = perturb_points(points, (100, 100), 3, max_rotation=(30, 30),
                            max_translation=0, rng=np.random.default_rng(0))
    np.testing.assert_allclose(turned.mean(1), [[20, 10]] * 3, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(turned[:, 1] - turned[:, 0],
                                              axis=1), 20, atol=1e-4)


def test_points_always_carry_their_label():
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)  # no spread
    points = rng.uniform(0, 20, (12, 2)).astype(np.float32)
    labels = rng.integers(0, 5, 12)
    points[5], labels[5] = points[2], (labels[2] + 1) % 5  # shared pixel
    out = point_blots(noise, points, labels, 5, rng=0)
    keep = np.ones(12, bool)
    keep[5] = False  # the first point of a pixel wins
    cols, rows = np.floor(points[keep]).astype(int).T
    np.testing.assert_array_equal(out[rows, cols], labels[keep])


def test_no_points_is_all_ignore():
    img = np.zeros((5, 7, 3), np.uint8)
    out = point_blots(img, np.zeros((0, 2)), np.zeros(0), 3,
                      ignore_index=200)
    assert out.shape == (5, 7) and out.dtype == np.uint8
    assert (out == 200).all()


@pytest.mark.parametrize('points,labels,match', [
    ([[7.0, 1.0]], [0], r'point 0 \(7.0, 1.0\) lies outside the 7x5 image'),
    ([[1.0, -0.5]], [0], 'outside the 7x5 image'),
    ([[1.0, 1.0]], [3], r'label 3 of point 0 is outside \[0, 3\)'),
    ([[1.0, 1.0]], [-1], 'label -1'),
    ([[1.0, 1.0], [2.0, 2.0]], [0], 'differ in length: 2 points, 1 labels'),
    ([[1.0, 1.0, 1.0]], [0], r'points must be \(N, 2\)'),
])
def test_bad_inputs_are_errors(points, labels, match):
    with pytest.raises(ValueError, match=match):
        point_blots(np.zeros((5, 7, 3), np.uint8), np.array(points),
                    np.array(labels), 3)


def test_bad_arguments_are_errors():
    img, pts, lab = np.zeros((5, 7, 3), np.uint8), np.ones((1, 2)), [0]
    with pytest.raises(ValueError, match=r'image must be \(H, W, 3\)'):
        point_blots(img[..., 0], pts, lab, 3)
    with pytest.raises(ValueError, match='prob_threshold'):
        point_blots(img, pts, lab, 3, prob_threshold=0.5)
    with pytest.raises(ValueError, match='min_reach'):
        point_blots(img, pts, lab, 3, min_reach=0)
    with pytest.raises(ValueError, match='walk has unknown keys'):
        point_blots(img, pts, lab, 3, walk=dict(steps=3))
    with pytest.raises(ValueError, match='ignore_index'):
        point_blots(img, pts, lab, 3, ignore_index=2)


# ------------------------------------------------------------ transforms
def sample(tmp_path=None, name='img_07.jpg'):
    img, _, _, points, labels = two_rectangles()
    return dict(img=img[..., ::-1].copy(), img_path=f'/data/{name}',
                img_shape=img.shape[:2], ori_shape=img.shape[:2],
                gt_points=points, gt_points_labels=labels, num_classes=3,
                seg_fields=[])


def test_transform_is_seeded_by_the_file_name():
    out = GeneratePointBlots(seed=1)(sample())
    assert out['seg_fields'] == ['gt_point_blots']
    again = GeneratePointBlots(seed=1)(sample())
    np.testing.assert_array_equal(out['gt_point_blots'],
                                  again['gt_point_blots'])
    s = sample()
    want = point_blots(s['img'], s['gt_points'], s['gt_points_labels'], 3,
                       rng=zlib.crc32(b'img_07.jpg') + 1)
    np.testing.assert_array_equal(out['gt_point_blots'], want)
    with pytest.raises(TypeError, match='unknown arguments'):
        GeneratePointBlots(num_step=3)


def test_transform_must_come_before_geometry_and_needs_points():
    s = sample()
    s['img_shape'] = (20, 32)
    with pytest.raises(ValueError, match='before geometric transforms'):
        GeneratePointBlots()(s)
    s = sample()
    del s['gt_points']
    with pytest.raises(KeyError, match='gt_points'):
        GeneratePointBlots()(s)


def test_flip_moves_the_blots_with_the_image():
    out = GeneratePointBlots()(sample())
    before = out['gt_point_blots'].copy()
    flipped = WeakRandomFlip(prob=1.0)(out)
    np.testing.assert_array_equal(flipped['gt_point_blots'], before[:, ::-1])
    # the points still carry their labels in the flipped blots
    cols, rows = np.floor(flipped['gt_points']).astype(int).T
    np.testing.assert_array_equal(flipped['gt_point_blots'][rows, cols],
                                  flipped['gt_points_labels'])


def test_cache_round_trip(tmp_path):
    cache = tmp_path / 'blots'
    out = GeneratePointBlots(cache_dir=str(cache))(sample())
    path = cache / 'img_07.png'
    assert sorted(os.listdir(cache)) == ['img_07.png']  # no temp file left
    stored = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(stored, out['gt_point_blots'])
    # a present file is read, not recomputed
    marked = stored.copy()
    marked[0, 0] = 2
    cv2.imwrite(str(path), marked)
    again = GeneratePointBlots(cache_dir=str(cache))(sample())
    np.testing.assert_array_equal(again['gt_point_blots'], marked)
    assert again['seg_fields'] == ['gt_point_blots']
    cv2.imwrite(str(path), marked[:-1])
    with pytest.raises(ValueError, match='img_07.png: size'):
        GeneratePointBlots(cache_dir=str(cache))(sample())


def test_load_point_blots(tmp_path):
    blots = np.full((40, 64), 255, np.uint8)
    blots[3:5, 6:9] = 2
    cv2.imwrite(str(tmp_path / 'img_07.png'), blots)
    out = LoadPointBlots(str(tmp_path))(sample())
    np.testing.assert_array_equal(out['gt_point_blots'], blots)
    assert out['seg_fields'] == ['gt_point_blots']
    with pytest.raises(FileNotFoundError, match='missing.png'):
        LoadPointBlots(str(tmp_path))(sample(name='missing.jpg'))
    cv2.imwrite(str(tmp_path / 'small.png'), blots[:10])
    with pytest.raises(ValueError, match='small.png: size'):
        LoadPointBlots(str(tmp_path))(sample(name='small.jpg'))
    blots[0, 0] = 7  # not a class of the 3
    cv2.imwrite(str(tmp_path / 'bad.png'), blots)
    with pytest.raises(ValueError, match='bad.png: label 7'):
        LoadPointBlots(str(tmp_path))(sample(name='bad.jpg'))


def test_pack_weak_seg_inputs_packs_the_blots():
    s = GeneratePointBlots()(sample())
    s['weak_label'] = 'points'
    packed = PackWeakSegInputs()(s)
    blots = packed['data_samples'].gt_point_blots.data
    assert blots.dtype == torch.int64 and blots.shape == (1, 40, 64)
    np.testing.assert_array_equal(blots[0].numpy(), s['gt_point_blots'])


# ------------------------------------------------------------------ tool
def test_tool_writes_the_blots_of_the_toy_points(toy_root, tmp_path, capsys):
    config = osp.join(
        REPO, 'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py')
    out = tmp_path / 'blots'
    spec = importlib.util.spec_from_file_location(
        'make_point_blots_tool',
        osp.join(REPO, 'tools/dataset_converters/make_point_blots.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    written, skipped = tool.main([
        config, str(out), '--limit', '3', '--cfg-options',
        f'train_dataloader.dataset.data_root={toy_root}'])
    assert (written, skipped) == (3, 0)
    assert 'wrote 3 point-blot maps' in capsys.readouterr().out
    assert len(os.listdir(out)) == 3

    # the PNGs are what GeneratePointBlots makes of the loaded points
    from mmengine.config import Config

    from mmwsss.registry import DATASETS
    cfg = Config.fromfile(config)
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = toy_root
    ds_cfg.pipeline = [dict(type='LoadImageFromFile'),
                       dict(type='LoadWeakAnnotations', with_seg=False)]
    dataset = DATASETS.build(ds_cfg)
    for i in range(3):
        r = dataset[i]
        name = osp.splitext(osp.basename(r['img_path']))[0]
        png = cv2.imread(str(out / f'{name}.png'), cv2.IMREAD_UNCHANGED)
        want = GeneratePointBlots()(r)['gt_point_blots']
        np.testing.assert_array_equal(png, want)
        assert (png != 255).sum() > len(r['gt_points'])


def test_training_pipeline_moves_blots_with_the_crop(toy_root):
    """In a toy training pipeline the blots are resized, cropped and flipped
    with the image and packed at the crop's size."""
    from mmengine.config import Config

    from mmwsss.registry import DATASETS
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/baseline/pce_r18-tiny_1xb8-400it_toy-64x64_point.py'))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = toy_root
    pipeline = list(ds_cfg.pipeline)
    pipeline.insert(2, dict(type='GeneratePointBlots', num_perturbations=2))
    ds_cfg.pipeline = pipeline
    np.random.seed(0)
    data = DATASETS.build(ds_cfg)[0]
    sample = data['data_samples']
    blots = sample.gt_point_blots.data
    assert blots.shape == (1, ) + tuple(data['inputs'].shape[1:])
    # every click left in the crop lies on a blot pixel of its class
    pts = sample.gt_points.points.long()
    assert len(pts) > 0
    np.testing.assert_array_equal(blots[0, pts[:, 1], pts[:, 0]].numpy(),
                                  sample.gt_points.labels.numpy())
