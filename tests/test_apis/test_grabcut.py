"""GrabCut pseudo-masks from boxes and seeds, on drawn images."""
import numpy as np
import pytest

from mmwsss.apis.grabcut import grabcut_boxes, grabcut_seeds


def scene(seed=0):
    """A textured background with a red disc (label 1) and a blue square
    (label 2), and the dense truth."""
    rng = np.random.default_rng(seed)
    h, w = 60, 80
    img = np.clip(rng.normal(120, 12, (h, w, 3)), 0, 255)
    img[..., 1] += 40  # greenish background
    yy, xx = np.mgrid[:h, :w]
    truth = np.zeros((h, w), np.uint8)
    disc = (yy - 20)**2 + (xx - 22)**2 < 12**2
    truth[disc] = 1
    truth[32:54, 45:72] = 2
    img[truth == 1] = rng.normal((40, 40, 220), 10, ((truth == 1).sum(), 3))
    img[truth == 2] = rng.normal((220, 40, 40), 10, ((truth == 2).sum(), 3))
    return np.clip(img, 0, 255).astype(np.uint8), truth


def iou(a, b):
    return (a & b).sum() / (a | b).sum()


@pytest.mark.parametrize('crop_margin', [None, 0.2])
def test_boxes_recover_the_objects(crop_margin):
    img, truth = scene()
    boxes = np.array([[10, 8, 34, 32], [45, 32, 72, 54]], np.float32)
    out = grabcut_boxes(img, boxes, np.array([1, 2]), background=0,
                        crop_margin=crop_margin)
    assert iou(out == 1, truth == 1) > 0.85
    assert iou(out == 2, truth == 2) > 0.9
    # nothing outside the boxes
    inside = np.zeros_like(truth, bool)
    inside[8:32, 10:34] = inside[32:54, 45:72] = True
    assert (out[~inside] == 0).all()


def test_box_without_background_leaves_the_rest_unlabelled():
    img, truth = scene()
    out = grabcut_boxes(img, np.array([[10, 8, 34, 32]], np.float32),
                        np.array([1]), background=None)
    assert set(np.unique(out)) == {1, 255}
    assert iou(out == 1, truth == 1) > 0.85


def test_seeds_recover_every_class_and_keep_the_seeds():
    img, truth = scene(1)
    seeds = np.full(truth.shape, 255, np.uint8)
    seeds[20, 15:30] = 1  # a stroke through the disc
    seeds[43, 50:68] = 2  # through the square
    seeds[5, 5:75] = 0  # background along the top
    seeds[56:58, 5:40] = 0
    out = grabcut_seeds(img, seeds)
    assert (out[seeds != 255] == seeds[seeds != 255]).all()
    for c in (0, 1, 2):
        assert iou(out == c, truth == c) > 0.85, c


def test_bad_input():
    img, truth = scene()
    with pytest.raises(ValueError, match='no labelled pixel'):
        grabcut_seeds(img, np.full(truth.shape, 255, np.uint8))
    with pytest.raises(ValueError, match='differ in size'):
        grabcut_seeds(img, np.zeros((3, 3), np.uint8))
    with pytest.raises(ValueError, match=r'image must be \(H, W, 3\)'):
        grabcut_boxes(img[..., 0], np.zeros((0, 4)), np.zeros(0))


def test_downscaled_seeds_keep_single_clicks():
    from mmwsss.apis.grabcut import downscale_seeds
    seeds = np.full((8, 10), 255, np.uint8)
    seeds[1, 1] = 3  # lone clicks, not on the even grid
    seeds[7, 9] = 1
    small = downscale_seeds(seeds, (4, 5))
    expected = np.full((4, 5), 255, np.uint8)
    expected[0, 0], expected[3, 4] = 3, 1
    np.testing.assert_array_equal(small, expected)


def test_half_resolution_cut_and_scores_settle_contested_pixels():
    img, truth = scene(1)
    seeds = np.full(truth.shape, 255, np.uint8)
    seeds[20, 15:30] = 1
    seeds[43, 50:68] = 2
    seeds[5, 5:75] = 0
    seeds[56:58, 5:40] = 0
    out = grabcut_seeds(img, seeds, scale=0.5)
    assert (out[seeds != 255] == seeds[seeds != 255]).all()
    for c in (0, 1, 2):
        assert iou(out == c, truth == c) > 0.8, c
    # scores decide between claiming classes: with scores that prefer
    # class 2 everywhere, every contested or unclaimed pixel becomes 2
    import cv2

    from mmwsss.apis.grabcut import _seed_claims
    scores = np.zeros((3, ) + truth.shape, np.float32)
    scores[2] = 0.9
    cv2.setRNGSeed(0)  # GrabCut's k-means initialisation draws from it
    with_scores = grabcut_seeds(img, seeds, scores=scores)
    cv2.setRNGSeed(0)
    plain = grabcut_seeds(img, seeds)
    changed = with_scores != plain
    assert changed.any()
    assert (with_scores[changed] == 2).all()
    # at full resolution: each pixel takes the arg-max of its claims (0/1)
    # plus the scores, and the seeds stay
    cv2.setRNGSeed(0)
    claims = _seed_claims(img, seeds, np.array([0, 1, 2]), 5, 255)
    expected = (claims + scores).argmax(0)
    expected[seeds != 255] = seeds[seeds != 255]
    np.testing.assert_array_equal(with_scores, expected)
    with pytest.raises(ValueError, match='scores'):
        grabcut_seeds(img, seeds, scores=scores[:, :5])


def test_half_resolution_claims_plus_scores():
    """At scale 0.5 with scores, each pixel takes the class with the highest
    bilinearly upsampled claim + score: recomputed here from the cuts at
    half resolution, upsampled by torch (half-pixel centres, as OpenCV)."""
    import cv2
    import torch
    import torch.nn.functional as F

    from mmwsss.apis.grabcut import _seed_claims, downscale_seeds
    img, truth = scene(2)
    seeds = np.full(truth.shape, 255, np.uint8)
    seeds[20, 15:30] = 1
    seeds[43, 50:68] = 2
    seeds[5, 5:75] = 0
    rng = np.random.default_rng(0)
    scores = rng.random((3, ) + truth.shape).astype(np.float32) * 0.6
    cv2.setRNGSeed(0)  # GrabCut's k-means initialisation draws from it
    out = grabcut_seeds(img, seeds, scale=0.5, scores=scores)
    h, w = truth.shape
    cv2.setRNGSeed(0)
    small = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    claims = _seed_claims(small, downscale_seeds(seeds, (h // 2, w // 2)),
                          np.array([0, 1, 2]), 5, 255)
    soft = F.interpolate(torch.from_numpy(claims.astype(np.float32))[None],
                         size=(h, w), mode='bilinear',
                         align_corners=False)[0].numpy()
    expected = (soft + scores).argmax(0)
    expected[seeds != 255] = seeds[seeds != 255]
    np.testing.assert_array_equal(out, expected)
    # the soft edges matter: nearest-neighbour claims give another map
    hard = F.interpolate(torch.from_numpy(claims.astype(np.float32))[None],
                         size=(h, w), mode='nearest')[0].numpy()
    assert ((hard + scores).argmax(0) != expected).any()
