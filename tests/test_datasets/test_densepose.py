"""DensePose-COCO: RLE part masks -> dense parts, part-centre keypoints, the
converter's label PNGs."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from mmwsss.datasets.weak_annotations import (densepose_keypoints,
                                              gaussian_keypoint_labels,
                                              load_densepose,
                                              part_masks_in_image)
from ..conftest import REPO
from .test_weak_annotations import _encode_counts_string, rle_runs


def rle_string(mask):
    return {'size': list(mask.shape),
            'counts': _encode_counts_string(rle_runs(mask))}


def person(bbox):
    top = np.zeros((256, 256), np.uint8)
    top[:128] = 1
    bottom = 1 - top
    masks = [None] * 14
    masks[0] = rle_string(top)  # part 1: torso
    masks[13] = rle_string(bottom)  # part 14: head
    return dict(id=1, image_id=5, bbox=bbox, dp_masks=masks, category_id=1)


def expected_parts():
    parts = np.zeros((12, 14), np.uint8)
    parts[3:6, 2:10] = 1
    parts[6:9, 2:10] = 14
    return parts


def test_parts_and_keypoints_from_rle():
    ann = person([2, 3, 8, 6])
    parts = part_masks_in_image(ann, (12, 14))
    np.testing.assert_array_equal(parts, expected_parts())
    entry = dict(size=(12, 14), annotations=[ann])
    (inst, ) = densepose_keypoints(entry)
    np.testing.assert_array_equal(inst['labels'], [1, 14])
    # torso rows 3-5, cols 2-9: centroid (4, 5.5) -> pixel (4, 5)
    np.testing.assert_allclose(inst['points'], [[5.5, 4.5], [5.5, 7.5]])
    assert abs(inst['size'] - np.sqrt(48)) < 1e-9


def write_json(tmp_path):
    coco = dict(
        images=[dict(id=5, file_name='COCO_train2014_000000000005.jpg',
                     height=12, width=14),
                dict(id=6, file_name='COCO_train2014_000000000006.jpg',
                     height=10, width=10)],
        annotations=[person([2, 3, 8, 6]),
                     dict(id=2, image_id=6, bbox=[0, 0, 3, 3],
                          category_id=1)],  # no DensePose labels
        categories=[dict(id=1, name='person')])
    path = str(tmp_path / 'densepose_coco_2014_train.json')
    with open(path, 'w') as f:
        json.dump(coco, f)
    return path


def test_load_densepose_skips_people_without_labels(tmp_path):
    entries = load_densepose(write_json(tmp_path))
    assert set(entries) == {'COCO_train2014_000000000005',
                            'COCO_train2014_000000000006'}
    assert len(entries['COCO_train2014_000000000005']['annotations']) == 1
    assert entries['COCO_train2014_000000000006']['annotations'] == []


def test_converter_writes_parts_and_keypoint_labels(tmp_path):
    path = write_json(tmp_path)
    out = tmp_path / 'densepose'
    proc = subprocess.run(
        [sys.executable,
         osp.join(REPO, 'tools/dataset_converters/densepose.py'), path,
         str(out), '--split', 'train', '--sigma-ratio', '0.2'],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    stem = 'COCO_train2014_000000000005'
    assert (out / 'train.txt').read_text().split() == [stem]
    parts = cv2.imread(str(out / 'parts/train' / f'{stem}.png'), 0)
    np.testing.assert_array_equal(parts, expected_parts())
    keypoints = cv2.imread(str(out / 'keypoints/train' / f'{stem}.png'), 0)
    sigma = 0.2 * np.sqrt(48)
    expected = gaussian_keypoint_labels(
        np.array([[5.5, 4.5], [5.5, 7.5]]), np.array([1, 14]),
        np.array([sigma, sigma]), (12, 14))
    np.testing.assert_array_equal(keypoints, expected)
    assert {1, 14, 255} <= set(np.unique(keypoints))
