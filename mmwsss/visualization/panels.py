from typing import Sequence

import cv2
import numpy as np


def colorize_label(label: np.ndarray, palette: Sequence[Sequence[int]],
                   ignore_index: int = 255,
                   ignore_color=(255, 255, 255)) -> np.ndarray:
    """(H, W) label map -> (H, W, 3) uint8 RGB image; unlabelled pixels white."""
    lut = np.zeros((256, 3), np.uint8)
    lut[:] = (40, 40, 40)  # values without a palette colour
    lut[:len(palette)] = np.asarray(palette, np.uint8)
    lut[ignore_index] = ignore_color
    return lut[label.astype(np.uint8)]


def weak_label_panel(img_rgb: np.ndarray, weak: np.ndarray, pred: np.ndarray,
                     gt: np.ndarray, palette, ignore_index: int = 255,
                     scale: int = 3) -> np.ndarray:
    """Image | weak label | prediction | ground truth, side by side (RGB).

    The weak label is drawn over a faded copy of the image so sparse points
    and strokes stay visible; every panel is enlarged ``scale`` times.
    """
    faded = (img_rgb.astype(np.float32) * 0.35 + 165).astype(np.uint8)
    weak_rgb = colorize_label(weak, palette, ignore_index)
    weak_rgb = np.where((weak != ignore_index)[..., None], weak_rgb, faded)
    panels = [img_rgb, weak_rgb, colorize_label(pred, palette, ignore_index),
              colorize_label(gt, palette, ignore_index)]
    sep = np.full((img_rgb.shape[0], 2, 3), 255, np.uint8)
    row = np.concatenate(sum([[p, sep] for p in panels], [])[:-1], axis=1)
    return cv2.resize(row, None, fx=scale, fy=scale,
                      interpolation=cv2.INTER_NEAREST)
