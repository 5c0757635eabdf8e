import numpy as np


def dense_crf(image: np.ndarray,
              probs: np.ndarray,
              num_iters: int = 10,
              pos_sxy: float = 3,
              pos_compat: float = 3,
              bi_sxy: float = 80,
              bi_srgb: float = 13,
              bi_compat: float = 10) -> np.ndarray:
    """Fully connected CRF (Kraehenbuehl & Koltun, 2011) with pydensecrf.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        probs (np.ndarray): (C, H, W) class probabilities (the unary is
            ``-log p``).
        num_iters (int): Mean-field iterations. Defaults to 10.
        pos_sxy, pos_compat: Smoothness kernel (Gaussian on position).
        bi_sxy, bi_srgb, bi_compat: Appearance kernel (bilateral).

    Returns:
        np.ndarray: (C, H, W) float32 refined probabilities.
    """
    import pydensecrf.densecrf as dcrf
    c, h, w = probs.shape
    if image.shape[:2] != (h, w):
        raise ValueError(f'image {image.shape[:2]} and probs {(h, w)} differ')
    crf = dcrf.DenseCRF2D(w, h, c)
    unary = -np.log(np.clip(probs, 1e-8, 1.0)).reshape(c, -1)
    crf.setUnaryEnergy(np.ascontiguousarray(unary, dtype=np.float32))
    crf.addPairwiseGaussian(sxy=pos_sxy, compat=pos_compat)
    crf.addPairwiseBilateral(sxy=bi_sxy, srgb=bi_srgb,
                             rgbim=np.ascontiguousarray(image, np.uint8),
                             compat=bi_compat)
    q = crf.inference(num_iters)
    return np.asarray(q, dtype=np.float32).reshape(c, h, w)
