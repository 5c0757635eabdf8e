"""Checkpoint key conversion for ImageNet weights of other codebases."""
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch


EFFICIENTNET_LITE_ARCHS = ('lite0', 'lite1', 'lite2', 'lite3', 'lite4')

# EfficientNet-PyTorch -> timm, outside the blocks
_STEM_HEAD = {
    '_conv_stem': 'conv_stem',
    '_bn0': 'bn1',
    '_conv_head': 'conv_head',
    '_bn1': 'bn2',
    '_fc': 'classifier',
}
# inside a block, by block type (with / without an expansion conv)
_INVERTED_RESIDUAL = {
    '_expand_conv': 'conv_pw',
    '_bn0': 'bn1',
    '_depthwise_conv': 'conv_dw',
    '_bn1': 'bn2',
    '_project_conv': 'conv_pwl',
    '_bn2': 'bn3',
}
_DEPTHWISE_SEPARABLE = {
    '_depthwise_conv': 'conv_dw',
    '_bn1': 'bn1',
    '_project_conv': 'conv_pw',
    '_bn2': 'bn2',
}
_BLOCK_KEY = re.compile(r'^_blocks\.(\d+)\.([^.]+)\.(.+)$')
_TOP_KEY = re.compile(r'^([^.]+)\.(.+)$')


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the model; the message names the file and
    the first keys that do not fit."""


def timm_block_names(arch: str) -> List[str]:
    """``blocks.S.J`` of timm's ``tf_efficientnet_<arch>``, in order."""
    import timm
    model = timm.create_model(f'tf_efficientnet_{arch}', pretrained=False)
    return [f'blocks.{s}.{j}' for s, stage in enumerate(model.blocks)
            for j in range(len(stage))]


def _timm_shapes(arch: str) -> Dict[str, torch.Size]:
    import timm
    model = timm.create_model(f'tf_efficientnet_{arch}', pretrained=False)
    return {k: v.shape for k, v in model.state_dict().items()}


def _rename(state_dict: Dict[str, torch.Tensor], blocks: List[str],
            source: str) -> 'OrderedDict[str, torch.Tensor]':
    has_expand = {
        int(m.group(1))
        for m in map(_BLOCK_KEY.match, state_dict)
        if m and m.group(2) == '_expand_conv'
    }
    out, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        block = _BLOCK_KEY.match(key)
        if block:
            n, module, rest = int(block.group(1)), block.group(2), \
                block.group(3)
            table = (_INVERTED_RESIDUAL
                     if n in has_expand else _DEPTHWISE_SEPARABLE)
            if n >= len(blocks) or module not in table:
                unknown.append(key)
                continue
            out[f'{blocks[n]}.{table[module]}.{rest}'] = value
            continue
        top = _TOP_KEY.match(key)
        if top and top.group(1) in _STEM_HEAD:
            out[f'{_STEM_HEAD[top.group(1)]}.{top.group(2)}'] = value
        else:
            unknown.append(key)
    if unknown:
        raise CheckpointMismatchError(
            f'{source}: not an EfficientNet-PyTorch EfficientNet-Lite '
            f'checkpoint; keys that do not fit: {unknown[:5]}')
    return out


def check_state_dict(state_dict: Dict[str, torch.Tensor],
                     expected: Dict[str, torch.Size], source: str,
                     ignore: Tuple[str, ...] = ()) -> None:
    """Raise :class:`CheckpointMismatchError` unless ``state_dict`` has
    exactly the keys and shapes of ``expected`` (keys starting with one of
    ``ignore`` left aside)."""
    keys = [k for k in state_dict if not k.startswith(ignore)]
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in keys if k not in expected]
    shapes = [
        f'{k}: {tuple(state_dict[k].shape)} vs {tuple(expected[k])}'
        for k in keys if k in expected and state_dict[k].shape != expected[k]
    ]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f'missing {missing[:5]}')
        if unexpected:
            parts.append(f'unexpected {unexpected[:5]}')
        if shapes:
            parts.append(f'shapes differ (file vs model) {shapes[:5]}')
        raise CheckpointMismatchError(
            f'{source}: does not fit the model: ' + '; '.join(parts))


def efficientnet_lite_to_timm(
        state_dict: Dict[str, torch.Tensor],
        arch: Optional[str] = None,
        source: str = 'checkpoint'
) -> Tuple['OrderedDict[str, torch.Tensor]', str]:
    """Rename EfficientNet-PyTorch EfficientNet-Lite weights to timm's
    ``tf_efficientnet_lite*``.

    Stem and head: ``_conv_stem`` -> ``conv_stem``, ``_bn0`` -> ``bn1``,
    ``_conv_head`` -> ``conv_head``, ``_bn1`` -> ``bn2``, ``_fc`` ->
    ``classifier``. Block ``_blocks.N`` becomes the N-th of timm's blocks
    ``blocks.S.J`` in order; blocks without an expansion conv (stage 0) are
    depthwise-separable (``_depthwise_conv`` -> ``conv_dw``, ``_bn1`` ->
    ``bn1``, ``_project_conv`` -> ``conv_pw``, ``_bn2`` -> ``bn2``), the
    others inverted residuals (``_expand_conv`` -> ``conv_pw``, ``_bn0`` ->
    ``bn1``, ``_depthwise_conv`` -> ``conv_dw``, ``_bn1`` -> ``bn2``,
    ``_project_conv`` -> ``conv_pwl``, ``_bn2`` -> ``bn3``).

    Args:
        state_dict (dict): The EfficientNet-PyTorch weights.
        arch (str, optional): ``'lite0'`` .. ``'lite4'``; None picks the one
            whose keys and shapes fit.
        source (str): The file, named in errors.

    Returns:
        tuple: the timm state dict and the architecture.
    """
    archs = (arch, ) if arch else EFFICIENTNET_LITE_ARCHS
    errors = []
    for candidate in archs:
        if candidate not in EFFICIENTNET_LITE_ARCHS:
            raise ValueError(f'arch must be one of {EFFICIENTNET_LITE_ARCHS},'
                             f' got {candidate!r}')
        try:
            converted = _rename(state_dict, timm_block_names(candidate),
                                source)
            check_state_dict(converted, _timm_shapes(candidate), source)
        except CheckpointMismatchError as e:
            errors.append(f'{candidate}: {e}')
            continue
        return converted, candidate
    if len(errors) == 1:
        raise CheckpointMismatchError(errors[0].split(': ', 1)[1])
    raise CheckpointMismatchError(
        f'{source}: fits no EfficientNet-Lite architecture '
        f'({", ".join(archs)}); for {errors[0]}')
