"""tools/cams_to_pseudo_labels.py on PSA/IRN-format CAM files."""
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from ..conftest import REPO

TOOL = osp.join(REPO, 'tools/cams_to_pseudo_labels.py')


def run(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_tags_and_boxes(tmp_path):
    cams = tmp_path / 'cams'
    cams.mkdir()
    cam = np.full((1, 4, 4), 0.4, np.float32)  # / max 4 = 0.1: background
    cam[0, 0, 0] = 4.0  # 1.0: class
    cam[0, 1, 1] = 2.0  # 0.5 > (1 - 0.5)^6: class
    cam[0, 3, 3] = 0.0  # background 1
    # class index 1 counted from the first foreground class = label 2
    np.save(cams / 'img.npy', dict(keys=np.array([1]), high_res=cam))
    out = tmp_path / 'tag'
    proc = run(cams, out, '--classes', 'bg,a,b')
    assert proc.returncode == 0, proc.stderr[-2000:]
    lab = cv2.imread(str(out / 'img.png'), cv2.IMREAD_UNCHANGED)
    want = np.zeros((4, 4), np.uint8)
    want[0, 0] = want[1, 1] = 2
    assert np.array_equal(lab, want)

    # boxes: a box over the left 2 columns (VOC XML 1-based pixels 1..2)
    ann = tmp_path / 'Annotations'
    ann.mkdir()
    (ann / 'img.xml').write_text(
        '<annotation><object><name>b</name><bndbox><xmin>1</xmin>'
        '<ymin>1</ymin><xmax>2</xmax><ymax>4</ymax></bndbox></object>'
        '</annotation>')
    out = tmp_path / 'box'
    proc = run(cams, out, '--classes', 'bg,a,b', '--boxes', ann)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lab = cv2.imread(str(out / 'img.png'), cv2.IMREAD_UNCHANGED)
    # inside: min-max of [[4, .4], [.4, 2], [.4, .4], [.4, .4]]: 1 at (0, 0),
    # (2 - .4) / 3.6 = 0.44 < 0.5 at (1, 1)
    want = np.zeros((4, 4), np.uint8)
    want[:, :2] = 255
    want[0, 0] = 2
    assert np.array_equal(lab, want)


def test_bad_cam_file_is_named(tmp_path):
    cams = tmp_path / 'cams'
    cams.mkdir()
    np.save(cams / 'bad.npy', dict(keys=np.array([0, 1]),
                                   high_res=np.zeros((1, 4, 4))))
    proc = run(cams, tmp_path / 'out', '--classes', 'bg,a,b')
    assert proc.returncode != 0
    assert 'bad.npy' in proc.stderr and '2 keys' in proc.stderr
