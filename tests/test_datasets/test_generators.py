import numpy as np
import pytest
from scipy import ndimage

from mmwsss.datasets.generators import (boxes_from_mask, points_from_mask,
                                        scribbles_from_mask)
from mmwsss.datasets.weak_annotations import tags_from_mask


def two_object_mask():
    mask = np.zeros((20, 30), np.uint8)
    mask[2:7, 3:8] = 1  # 5x5 square, centre pixel (4, 5)
    mask[10:19, 12:29] = 2  # 9x17 rectangle, centre pixel (14, 20)
    mask[0, 29] = 255
    return mask


def test_points_at_object_centres_and_background_outside():
    mask = two_object_mask()
    pts, labels = points_from_mask(mask, background_classes=(0, ),
                                   num_background_points=7,
                                   rng=np.random.default_rng(1))
    obj = labels > 0
    np.testing.assert_array_equal(labels[obj], [1, 2])
    np.testing.assert_allclose(pts[obj], [[5.5, 4.5], [20.5, 14.5]])
    assert (labels == 0).sum() == 7
    cols, rows = np.floor(pts[~obj]).astype(int).T
    assert (mask[rows, cols] == 0).all()


def test_point_of_a_concave_segment_lies_inside():
    mask = np.zeros((21, 21), np.uint8)
    mask[2:19, 2:6] = 1  # a U shape whose centroid is outside
    mask[2:19, 15:19] = 1
    mask[15:19, 2:19] = 1
    pts, labels = points_from_mask(mask, background_classes=(0, ))
    x, y = np.floor(pts[0]).astype(int)
    assert labels.tolist() == [1] and mask[y, x] == 1


def test_boxes_per_connected_component():
    mask = two_object_mask()
    mask[2:4, 20:22] = 1  # a second component of class 1
    boxes, labels = boxes_from_mask(mask, background_classes=(0, ))
    order = np.lexsort((boxes[:, 0], labels))
    np.testing.assert_array_equal(labels[order], [1, 1, 2])
    np.testing.assert_allclose(boxes[order],
                               [[3, 2, 8, 7], [20, 2, 22, 4], [12, 10, 29, 19]])


def test_tags_from_mask():
    np.testing.assert_array_equal(tags_from_mask(two_object_mask(), 3),
                                  [0, 1, 2])


@pytest.mark.parametrize('ratio', [1.0, 0.5, 0.3])
def test_scribbles_inside_segments_connected_and_shortened(ratio):
    mask = two_object_mask()
    full = scribbles_from_mask(mask, 1.0, thickness=1, min_area=4)
    out = scribbles_from_mask(mask, ratio, thickness=1, min_area=4)
    labelled = out != 255
    # every stroke pixel carries the label of the segment it lies in
    assert (out[labelled] == mask[labelled]).all()
    for label in (0, 1, 2):
        stroke = out == label
        assert stroke.any()
        _, n = ndimage.label(stroke, structure=np.ones((3, 3)))
        assert n == 1  # one connected stroke per segment
        expected = max(1, round(ratio * (full == label).sum()))
        assert stroke.sum() == expected
    # the stroke of the 9x17 rectangle runs along its long axis
    ys, xs = np.nonzero(full == 2)
    assert xs.max() - xs.min() > ys.max() - ys.min()


def test_scribble_thickness_stays_inside():
    mask = two_object_mask()
    out = scribbles_from_mask(mask, 1.0, thickness=3, min_area=4)
    labelled = out != 255
    assert (out[labelled] == mask[labelled]).all()
    assert (out == 2).sum() > (scribbles_from_mask(mask, 1.0, 1, 4) == 2).sum()


def test_scribble_ratio_validation():
    with pytest.raises(ValueError, match='length_ratio'):
        scribbles_from_mask(two_object_mask(), 0.0)
