import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmwsss.datasets.weak_annotations import (
    WeakLabelError, decode_rle, gaussian_keypoint_labels, load_coco_boxes,
    load_label_map, load_tag_list, load_whats_the_point, parse_scribble_xml,
    parse_voc_xml, part_centres, points_from_label_map, rasterize_strokes)
from ..conftest import SHARED

VOC = ('background', 'aeroplane', 'bicycle', 'bird')


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def test_whats_the_point_merges_object_and_background_files(tmp_path):
    obj = write(tmp_path / 'obj.json', json.dumps({
        'a': [{'y': 20.5, 'x': 10.25, 'rank': 1, 'cls': 3}],
        'b': [{'y': 1, 'x': 2, 'rank': 1, 'cls': 1},
              {'y': 3, 'x': 4, 'rank': 2, 'cls': 2}]}))
    bg = write(tmp_path / 'bg.json', json.dumps({
        'a': [{'x': 0.0, 'y': 5.0, 'cls': 0}]}))
    out = load_whats_the_point([obj, bg], num_classes=4)
    pts, labels = out['a']
    np.testing.assert_allclose(pts, [[10.25, 20.5], [0.0, 5.0]])
    np.testing.assert_array_equal(labels, [3, 0])
    np.testing.assert_array_equal(out['b'][1], [1, 2])


@pytest.mark.parametrize('content,problem', [
    ({'a': [{'x': 1, 'y': 2, 'cls': 21}]}, 'out of range'),
    ({'a': [{'x': 1, 'cls': 2}]}, 'malformed click'),
    ({'a': {'x': 1}}, 'list of clicks'),
    ([1, 2], 'expected an object'),
])
def test_whats_the_point_errors_name_the_file(tmp_path, content, problem):
    path = write(tmp_path / 'bad.json', json.dumps(content))
    with pytest.raises(WeakLabelError, match=problem) as e:
        load_whats_the_point([path], num_classes=21)
    assert 'bad.json' in str(e.value)


REAL_POINTS = osp.join(SHARED, 'data', 'voc_points')


@pytest.mark.skipif(not osp.isdir(REAL_POINTS), reason='no shared data')
def test_real_whats_the_point_files():
    objects = load_whats_the_point(
        [osp.join(REAL_POINTS, 'voc_whats_the_point.json')], 21)
    assert len(objects) == 12180
    assert sum(len(v[1]) for v in objects.values()) == 32697
    assert all((v[1] >= 1).all() for v in objects.values())
    pts, labels = objects['2008_004171']
    np.testing.assert_allclose(pts[0], [253.3783783783784, 322.39114916002427],
                               rtol=1e-6)
    assert labels[0] == 16
    background = load_whats_the_point(
        [osp.join(REAL_POINTS, 'voc_whats_the_point_bg_from_scribbles.json')],
        21)
    assert len(background) == 12031
    assert all((v[1] == 0).all() for v in background.values())


SCRIBBLE_XML = """<annotation>
  <filename>x.jpg</filename>
  <size><width>10</width><height>8</height></size>
  <polygon><tag>bird</tag>
    <point><X>1</X><Y>2</Y></point><point><X>6</X><Y>2</Y></point>
  </polygon>
  <polygon><tag>background</tag>
    <point><X>12</X><Y>7</Y></point>
  </polygon>
</annotation>"""


def test_scribble_xml_and_rasterization(tmp_path):
    path = write(tmp_path / 's.xml', SCRIBBLE_XML)
    with pytest.warns(UserWarning, match='1 of 3 scribble points'):
        shape, strokes = parse_scribble_xml(path, VOC)
    assert shape == (8, 10)
    assert [s[0] for s in strokes] == [3, 0]
    np.testing.assert_array_equal(strokes[0][1], [[1, 2], [6, 2]])
    np.testing.assert_array_equal(strokes[1][1], [[9, 7]])  # clamped
    label = rasterize_strokes(strokes, shape, thickness=1)
    expected = np.full((8, 10), 255, np.uint8)
    expected[2, 1:7] = 3
    expected[7, 9] = 0
    np.testing.assert_array_equal(label, expected)
    thick = rasterize_strokes(strokes[:1], shape, thickness=3)
    assert (thick[1:4, 2:6] == 3).all() and (thick[0] == 255).all()


def test_scribble_xml_unknown_tag(tmp_path):
    path = write(tmp_path / 'u.xml', SCRIBBLE_XML.replace('bird', 'dragon'))
    with pytest.raises(WeakLabelError, match="u.xml: unknown class tag 'dragon'"):
        parse_scribble_xml(path, VOC)


VOC_XML = """<annotation><size><width>50</width><height>40</height><depth>3</depth></size>
<object><name>bird</name><difficult>0</difficult>
  <bndbox><xmin>3</xmin><ymin>5</ymin><xmax>10</xmax><ymax>20</ymax></bndbox></object>
<object><name>aeroplane</name><difficult>1</difficult>
  <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object>
</annotation>"""


def test_voc_xml_boxes(tmp_path):
    path = write(tmp_path / 'v.xml', VOC_XML)
    ann = parse_voc_xml(path, VOC)
    np.testing.assert_allclose(ann['bboxes'], [[2, 4, 10, 20], [0, 0, 50, 40]])
    np.testing.assert_array_equal(ann['labels'], [3, 1])
    assert ann['size'] == (40, 50)
    assert len(parse_voc_xml(path, VOC, skip_difficult=True)['labels']) == 1


def test_voc_xml_zero_area_box(tmp_path):
    path = write(tmp_path / 'z.xml', VOC_XML.replace('<xmax>10</xmax>',
                                                     '<xmax>2</xmax>'))
    with pytest.raises(WeakLabelError, match='z.xml: .*zero area'):
        parse_voc_xml(path, VOC)


def test_coco_boxes(tmp_path):
    coco = dict(
        images=[dict(id=7, file_name='img_a.jpg', height=30, width=40),
                dict(id=8, file_name='img_b.jpg', height=30, width=40)],
        annotations=[dict(id=1, image_id=7, category_id=12,
                          bbox=[1.5, 2.0, 10.0, 5.0])],
        categories=[dict(id=12, name='bird')])
    path = write(tmp_path / 'c.json', json.dumps(coco))
    out = load_coco_boxes(path, VOC)
    np.testing.assert_allclose(out['img_a']['bboxes'], [[1.5, 2, 11.5, 7]])
    np.testing.assert_array_equal(out['img_a']['labels'], [3])
    assert len(out['img_b']['labels']) == 0
    coco['annotations'][0]['bbox'] = [1, 1, 0, 3]
    path = write(tmp_path / 'c0.json', json.dumps(coco))
    with pytest.raises(WeakLabelError, match='c0.json: .*zero area'):
        load_coco_boxes(path, VOC)


def test_tag_list(tmp_path):
    path = write(tmp_path / 't.txt',
                 '# tags\nimg1 bird aeroplane\nimg2 2 bird\n\nimg3\n')
    out = load_tag_list(path, VOC)
    np.testing.assert_array_equal(out['img1'], [1, 3])
    np.testing.assert_array_equal(out['img2'], [2, 3])
    assert len(out['img3']) == 0
    bad = write(tmp_path / 'b.txt', 'img1 dragon\n')
    with pytest.raises(WeakLabelError, match='b.txt:1: unknown tag'):
        load_tag_list(bad, VOC)


def test_label_map(tmp_path):
    label = np.full((5, 6), 255, np.uint8)
    label[1, 2] = 3
    label[4, 0] = 0
    path = str(tmp_path / 'l.png')
    cv2.imwrite(path, label)
    np.testing.assert_array_equal(load_label_map(path, 4), label)
    pts, labels = points_from_label_map(label)
    np.testing.assert_allclose(pts, [[2.5, 1.5], [0.5, 4.5]])
    np.testing.assert_array_equal(labels, [3, 0])
    label[0, 0] = 9
    cv2.imwrite(path, label)
    with pytest.raises(WeakLabelError, match=r'l.png: label values \[9\]'):
        load_label_map(path, 4)
    with pytest.raises(WeakLabelError, match='cannot read'):
        load_label_map(str(tmp_path / 'missing.png'), 4)


def _encode_counts_string(counts):
    # COCO's rleToString, written from the format description
    out = []
    for i, x in enumerate(counts):
        if i > 2:
            x -= counts[i - 2]
        more = True
        while more:
            c = x & 0x1f
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return ''.join(out)


def rle_runs(mask):
    """Column-major runs of 0s and 1s (starting with 0s), by a plain loop."""
    runs, cur, n = [], 0, 0
    for v in mask.T.ravel():
        if v == cur:
            n += 1
        else:
            runs.append(n)
            cur, n = v, 1
    runs.append(n)
    return runs


def test_rle_decoding_counts_and_string():
    mask = np.zeros((4, 5), np.uint8)
    mask[1:3, 1:4] = 1
    mask[0, 4] = 1
    runs = rle_runs(mask)
    np.testing.assert_array_equal(decode_rle({'size': [4, 5],
                                              'counts': runs}), mask)
    s = _encode_counts_string(runs)
    np.testing.assert_array_equal(decode_rle({'size': [4, 5], 'counts': s}),
                                  mask)


def test_part_centres_inside_concave_segments():
    parts = np.zeros((9, 9), np.uint8)
    parts[1:4, 1:4] = 2  # square: centroid (2, 2)
    parts[5:8, 5] = 7  # L shape: centroid falls outside
    parts[7, 5:9] = 7
    pts, labels = part_centres(parts)
    np.testing.assert_array_equal(labels, [2, 7])
    np.testing.assert_allclose(pts[0], [2.5, 2.5])
    x, y = pts[1].astype(int)
    assert parts[y, x] == 7


def test_gaussian_keypoint_labels_hand_computed():
    # one keypoint at the centre of pixel (2, 2), sigma 1: g = exp(-d^2 / 2).
    # labelled: g >= 0.5  <=> d^2 <= 2 ln 2 = 1.386 -> d^2 in {0, 1}
    # unknown: 0.05 <= g < 0.5 <=> d^2 <= 2 ln 20 = 5.99 -> d^2 in {2, 4, 5}
    out = gaussian_keypoint_labels(
        np.array([[2.5, 2.5]]), np.array([4]), np.array([1.0]), (6, 6))
    U = 255
    expected = np.array([
        [0, U, U, U, 0, 0],
        [U, U, 4, U, U, 0],
        [U, 4, 4, 4, U, 0],
        [U, U, 4, U, U, 0],
        [0, U, U, U, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ], np.uint8)
    np.testing.assert_array_equal(out, expected)


def test_gaussian_keypoints_strongest_response_wins():
    # two keypoints; a pixel takes the label of the stronger Gaussian (the
    # one with the larger sigma reaches further)
    out = gaussian_keypoint_labels(
        np.array([[1.5, 1.5], [6.5, 1.5]]), np.array([1, 2]),
        np.array([1.0, 3.0]), (3, 9))
    assert out[1, 1] == 1 and out[1, 6] == 2
    # pixel x=3: g1 = exp(-4/2) = 0.135, g2 = exp(-9/18) = 0.607 -> label 2
    assert out[1, 3] == 2
