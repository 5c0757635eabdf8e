"""tools/cams_to_pseudo_labels.py on PSA/IRN-format CAM files."""
import importlib.util
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from ..conftest import REPO

TOOL = osp.join(REPO, 'tools/cams_to_pseudo_labels.py')


def run(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def load_tool():
    spec = importlib.util.spec_from_file_location('cams_to_pseudo_labels',
                                                  TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def write_cam(cam_dir, name, cam, keys=(1, )):
    cam_dir.mkdir(exist_ok=True)
    np.save(cam_dir / f'{name}.npy', dict(keys=np.array(keys), high_res=cam))


def write_image(img_dir, name, h, w):
    img_dir.mkdir(exist_ok=True)
    cv2.imwrite(str(img_dir / f'{name}.jpg'), np.zeros((h, w, 3), np.uint8))


def write_xml(ann_dir, name, box, size=None):
    ann_dir.mkdir(exist_ok=True)
    size_xml = '' if size is None else (
        f'<size><width>{size[1]}</width><height>{size[0]}</height>'
        '<depth>3</depth></size>')
    x1, y1, x2, y2 = box
    (ann_dir / f'{name}.xml').write_text(
        f'<annotation>{size_xml}<object><name>b</name><bndbox>'
        f'<xmin>{x1}</xmin><ymin>{y1}</ymin><xmax>{x2}</xmax>'
        f'<ymax>{y2}</ymax></bndbox></object></annotation>')


def test_tags_and_boxes(tmp_path):
    """The command line with tags, then boxes."""
    cams = tmp_path / 'cams'
    cam = np.full((1, 4, 4), 0.4, np.float32)  # / max 4 = 0.1: background
    cam[0, 0, 0] = 4.0  # 1.0: class
    cam[0, 1, 1] = 2.0  # 0.5 > (1 - 0.5)^6: class
    cam[0, 3, 3] = 0.0  # background 1
    # class index 1 counted from the first foreground class = label 2
    write_cam(cams, 'img', cam)
    write_image(tmp_path / 'images', 'img', 4, 4)
    out = tmp_path / 'tag'
    proc = run(cams, out, '--classes', 'bg,a,b', '--img-dir',
               tmp_path / 'images')
    assert proc.returncode == 0, proc.stderr[-2000:]
    lab = cv2.imread(str(out / 'img.png'), cv2.IMREAD_UNCHANGED)
    want = np.zeros((4, 4), np.uint8)
    want[0, 0] = want[1, 1] = 2
    assert np.array_equal(lab, want)

    # boxes: a box over the left 2 columns (VOC XML 1-based pixels 1..2)
    ann = tmp_path / 'Annotations'
    write_xml(ann, 'img', (1, 1, 2, 4), size=(4, 4))
    out = tmp_path / 'box'
    load_tool().main([str(cams), str(out), '--classes', 'bg,a,b', '--boxes',
                      str(ann)])
    lab = cv2.imread(str(out / 'img.png'), cv2.IMREAD_UNCHANGED)
    # inside: min-max of [[4, .4], [.4, 2], [.4, .4], [.4, .4]]: 1 at (0, 0),
    # (2 - .4) / 3.6 = 0.44 < 0.5 at (1, 1)
    want = np.zeros((4, 4), np.uint8)
    want[:, :2] = 255
    want[0, 0] = 2
    assert np.array_equal(lab, want)


def test_bad_cam_file_is_named(tmp_path):
    write_cam(tmp_path / 'cams', 'bad', np.zeros((1, 4, 4)), keys=(0, 1))
    write_image(tmp_path / 'images', 'bad', 4, 4)
    with pytest.raises(ValueError, match=r'bad\.npy: 2 keys but CAMs of '
                       r'shape \(1, 4, 4\)'):
        load_tool().main([str(tmp_path / 'cams'), str(tmp_path / 'out'),
                          '--classes', 'bg,a,b', '--img-dir',
                          str(tmp_path / 'images')])


def test_cam_of_more_classes_than_the_dataset_is_named(tmp_path):
    write_cam(tmp_path / 'cams', 'many', np.zeros((1, 4, 4)), keys=(2, ))
    write_image(tmp_path / 'images', 'many', 4, 4)
    with pytest.raises(ValueError, match=r'many\.npy: keys \[2\] outside '
                       r'\[0, 2\)'):
        load_tool().main([str(tmp_path / 'cams'), str(tmp_path / 'out'),
                          '--classes', 'bg,a,b', '--img-dir',
                          str(tmp_path / 'images')])


def test_cam_of_another_size_than_its_image(tmp_path):
    tool = load_tool()
    write_cam(tmp_path / 'cams', 'a', np.ones((1, 4, 6), np.float32))
    write_cam(tmp_path / 'cams', 'b', np.ones((1, 4, 6), np.float32))
    write_image(tmp_path / 'images', 'a', 4, 6)
    write_image(tmp_path / 'images', 'b', 6, 4)  # transposed
    with pytest.raises(ValueError) as e:
        tool.main([str(tmp_path / 'cams'), str(tmp_path / 'out'),
                   '--classes', 'bg,a,b', '--img-dir',
                   str(tmp_path / 'images')])
    msg = str(e.value)
    assert 'b.npy' in msg and 'b.jpg' in msg
    assert 'CAMs of size 4x6' in msg and 'is 6x4' in msg
    # the first, matching file was written
    assert (tmp_path / 'out' / 'a.png').is_file()


def test_cam_of_another_size_than_the_box_frame(tmp_path):
    tool = load_tool()
    write_cam(tmp_path / 'cams', 'img', np.ones((1, 4, 4), np.float32))
    write_xml(tmp_path / 'ann', 'img', (1, 1, 2, 4), size=(8, 8))
    args = [str(tmp_path / 'cams'), str(tmp_path / 'out'), '--classes',
            'bg,a,b', '--boxes', str(tmp_path / 'ann')]
    with pytest.raises(ValueError,
                       match=r'img\.npy: CAMs of size 4x4 .* the box frame '
                       r'\(<size>\) of .*img\.xml is 8x8'):
        tool.main(args)
    # no <size>: a box beyond the CAM is the error
    write_xml(tmp_path / 'ann', 'img', (1, 1, 6, 4))
    with pytest.raises(ValueError,
                       match=r'img\.npy: CAMs of size 4x4 .*img\.xml has '
                       r'boxes outside them: \[\[0\.0, 0\.0, 6\.0, 4\.0\]\]'):
        tool.main(args)
    # with --img-dir the image is checked too
    write_xml(tmp_path / 'ann', 'img', (1, 1, 2, 4), size=(4, 4))
    write_image(tmp_path / 'images', 'img', 5, 4)
    with pytest.raises(ValueError, match=r'img\.jpg is 5x4'):
        tool.main(args + ['--img-dir', str(tmp_path / 'images')])


def test_tags_need_the_images(tmp_path, capsys):
    tool = load_tool()
    write_cam(tmp_path / 'cams', 'img', np.ones((1, 4, 4), np.float32))
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / 'cams'), str(tmp_path / 'out'),
                   '--classes', 'bg,a,b'])
    assert '--img-dir is required with tags' in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match=r'img\.png: no such image'):
        tool.main([str(tmp_path / 'cams'), str(tmp_path / 'out'),
                   '--classes', 'bg,a,b', '--img-dir', str(tmp_path),
                   '--img-suffix', '.png'])
