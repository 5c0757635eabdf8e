"""Expanding distance fields (PMP): against a per-pixel Python loop, a
hand-checked row, the batch wrapper and the checks of the arguments."""
import math

import pytest
import torch

from mmwsss.models.utils.distance_fields import (
    expanding_distance_fields, expanding_distance_fields_batch)


def naive_fields(points, labels, shape, num_classes, bg_label, e_obj, e_bg):
    """The spec, pixel by pixel, in float64 Python."""
    H, W = shape
    pts = [(int(x), int(y)) for x, y in points]
    labs = [int(c) for c in labels]
    phi = {}
    for c in set(labs):
        d = [[min(math.hypot(i - y, j - x)
                  for (x, y), lab in zip(pts, labs) if lab == c)
              for j in range(W)] for i in range(H)]
        dmax = max(max(row) for row in d)
        phi[c] = [[1.0 if dmax == 0 else 1 - d[i][j] / dmax
                   for j in range(W)] for i in range(H)]
    if bg_label in phi:
        for c in phi:
            if c != bg_label:
                phi[c] = [[phi[c][i][j] * (1 - phi[bg_label][i][j])
                           for j in range(W)] for i in range(H)]
    out = torch.zeros(num_classes, H, W, dtype=torch.float64)
    for c, field in phi.items():
        e = e_bg if c == bg_label else e_obj
        for i in range(H):
            for j in range(W):
                out[c, i, j] = min(max(field[i][j] + e, 0.0), 1.0)
    return out


# x, y pixels of a 7 x 9 (H x W) image; class 0 = background, class 3 has
# no points.
POINTS = torch.tensor([[0, 0], [8, 6], [4, 3], [1, 5], [7, 1], [2, 2],
                       [6, 4], [3, 6]])
LABELS = torch.tensor([0, 0, 1, 1, 2, 2, 2, 4])


@pytest.mark.parametrize('e_obj,e_bg', [(0., 0.), (0.3, 0.3), (0.3, 0.),
                                        (1., 1.), (0., 1.)])
@pytest.mark.parametrize('bg_label', [0, None])
def test_matches_the_pixel_loop(e_obj, e_bg, bg_label):
    out = expanding_distance_fields(POINTS, LABELS, (7, 9), 5, bg_label,
                                    e_obj, e_bg)
    ref = naive_fields(POINTS, LABELS, (7, 9), 5, bg_label, e_obj, e_bg)
    assert out.shape == (5, 7, 9) and out.dtype == torch.float32
    torch.testing.assert_close(out.double(), ref, atol=1e-6, rtol=0)
    assert (out[3] == 0).all()  # no points: zero, whatever the score
    if e_obj == e_bg == 1:
        assert (out[[0, 1, 2, 4]] == 1).all()


def test_without_background_points_objects_are_not_damped():
    keep = LABELS != 0
    out = expanding_distance_fields(POINTS[keep], LABELS[keep], (7, 9), 5,
                                    0, 0.3, 0.3)
    ref = naive_fields(POINTS[keep], LABELS[keep], (7, 9), 5, 0, 0.3, 0.3)
    torch.testing.assert_close(out.double(), ref, atol=1e-6, rtol=0)
    assert (out[0] == 0).all()  # background without points: zero
    # Undamped: 1 at every object point.
    assert (out[LABELS[keep], POINTS[keep, 1], POINTS[keep, 0]] == 1).all()


def test_hand_checked_row():
    # One row of 5 pixels: an object of class 1 at x = 0, background at
    # x = 4. Phi_bg = x / 4, Phi_1 = (1 - x / 4) * (1 - x / 4).
    pts, labs = torch.tensor([[0, 0], [4, 0]]), torch.tensor([1, 0])
    out = expanding_distance_fields(pts, labs, (1, 5), 3, 0, 0., 0.)
    torch.testing.assert_close(
        out[:, 0],
        torch.tensor([[0, .25, .5, .75, 1], [1, .5625, .25, .0625, 0],
                      [0, 0, 0, 0, 0]]))
    out = expanding_distance_fields(pts, labs, (1, 5), 3, 0, 0.5, 0.25)
    torch.testing.assert_close(
        out[:, 0],
        torch.tensor([[.25, .5, .75, 1, 1], [1, 1, .75, .5625, .5],
                      [0, 0, 0, 0, 0]]))


def test_points_covering_the_image_give_one():
    pts = torch.tensor([[0, 0], [1, 0]])
    out = expanding_distance_fields(pts, torch.tensor([1, 1]), (1, 2), 2, 0,
                                    0., 0.)
    assert (out[1] == 1).all() and (out[0] == 0).all()


def test_batch_and_no_points():
    pts2, labs2 = POINTS[:3], torch.tensor([2, 2, 0])
    out = expanding_distance_fields_batch(
        [POINTS, pts2, torch.zeros(0, 2, dtype=torch.long)],
        [LABELS, labs2, torch.zeros(0, dtype=torch.long)], (7, 9), 5, 0,
        0.1, 0.2)
    assert out.shape == (3, 5, 7, 9)
    torch.testing.assert_close(
        out[0], expanding_distance_fields(POINTS, LABELS, (7, 9), 5, 0, 0.1,
                                          0.2))
    torch.testing.assert_close(
        out[1].double(), naive_fields(pts2, labs2, (7, 9), 5, 0, 0.1, 0.2),
        atol=1e-6, rtol=0)
    assert (out[2] == 0).all()


def test_errors():
    f = expanding_distance_fields
    with pytest.raises(ValueError, match=r'point 1 \(x=9, y=0\).*H=7, W=9'):
        f(torch.tensor([[0, 0], [9, 0]]), torch.tensor([1, 1]), (7, 9), 5, 0,
          0., 0.)
    with pytest.raises(ValueError, match=r'x=0, y=-1'):
        f(torch.tensor([[0, -1]]), torch.tensor([1]), (7, 9), 5, 0, 0., 0.)
    with pytest.raises(ValueError, match=r'\[5\] are outside \[0, 5\)'):
        f(torch.tensor([[0, 0]]), torch.tensor([5]), (7, 9), 5, 0, 0., 0.)
    with pytest.raises(ValueError, match=r'\[-1\]'):
        f(torch.tensor([[0, 0]]), torch.tensor([-1]), (7, 9), 5, 0, 0., 0.)
    with pytest.raises(ValueError, match='2 points but 1 labels'):
        f(torch.tensor([[0, 0], [1, 1]]), torch.tensor([1]), (7, 9), 5, 0, 0.,
          0.)
    with pytest.raises(ValueError, match=r'\(N, 2\)'):
        f(torch.tensor([[0, 0, 0]]), torch.tensor([1]), (7, 9), 5, 0, 0., 0.)
    with pytest.raises(ValueError, match='integer pixels'):
        f(torch.tensor([[0.5, 0.]]), torch.tensor([1]), (7, 9), 5, 0, 0., 0.)
    with pytest.raises(ValueError, match='bg_label 5'):
        f(torch.tensor([[0, 0]]), torch.tensor([1]), (7, 9), 5, 5, 0., 0.)
    with pytest.raises(ValueError, match='1 point sets but 2 label sets'):
        expanding_distance_fields_batch([POINTS], [LABELS, LABELS], (7, 9),
                                        5, 0, 0., 0.)


def test_chunks_and_float64_path(monkeypatch):
    from mmwsss.models.utils import distance_fields
    monkeypatch.setattr(distance_fields, '_CHUNK_ELEMENTS', 2 * 7 * 9)
    out = expanding_distance_fields(POINTS, LABELS, (7, 9), 5, 0, 0.1, 0.)
    ref = naive_fields(POINTS, LABELS, (7, 9), 5, 0, 0.1, 0.)
    torch.testing.assert_close(out.double(), ref, atol=1e-6, rtol=0)
    monkeypatch.undo()
    # Squared distances past 2**24: computed in float64.
    W = 4100
    out = expanding_distance_fields(torch.tensor([[W - 1, 0]]),
                                    torch.tensor([1]), (1, W), 2, 0, 0., 0.)
    x = torch.arange(W, dtype=torch.float64)
    torch.testing.assert_close(out[1, 0].double(), x / (W - 1), atol=1e-6,
                               rtol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu():
    gen = torch.Generator().manual_seed(0)
    pts = [torch.stack([torch.randint(0, 97, (n, ), generator=gen),
                        torch.randint(0, 61, (n, ), generator=gen)], 1)
           for n in (5, 40, 0)]
    labs = [torch.randint(0, 6, (len(p), ), generator=gen) for p in pts]
    cpu = expanding_distance_fields_batch(pts, labs, (61, 97), 6, 0, 0.2,
                                          0.1)
    gpu = expanding_distance_fields_batch([p.cuda() for p in pts],
                                          [lab.cuda() for lab in labs],
                                          (61, 97), 6, 0, 0.2, 0.1)
    assert gpu.device.type == 'cuda'
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-6, rtol=0)
