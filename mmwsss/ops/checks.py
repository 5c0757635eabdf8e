"""Argument checks shared by the ops, and their float32 compute policy.

Every public op checks its arguments here before any tensor reaches a kernel:
a bad call raises ``TypeError`` (not a tensor, wrong dtype) or ``ValueError``
(wrong number of dimensions, shapes that disagree, tensors on different
devices, out-of-range integers) naming the argument and the problem.

Half precision: the kernels compute in float32 or float64. ``float16`` and
``bfloat16`` inputs are cast to float32 (one warning per op and process) and
the result is cast back by the op; autocast is disabled inside the ops, so
under ``torch.autocast`` they run their float32 kernels instead of receiving
half tensors from autocast-ed PyTorch calls.
"""
import contextlib
import numbers
import warnings
from typing import Iterable, Optional, Sequence

import torch

HALF_DTYPES = (torch.float16, torch.bfloat16)

_HALF_WARNED = set()


def check_tensor(name: str, t, ndim: Optional[int] = None,
                 floating: bool = True) -> torch.Tensor:
    """``t`` is a tensor (with ``ndim`` dimensions and a floating dtype)."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f'{name} must be a torch.Tensor, got '
                        f'{type(t).__name__}')
    if ndim is not None and t.dim() != ndim:
        raise ValueError(f'{name} must be {ndim}-D, got shape '
                         f'{tuple(t.shape)}')
    if floating and not t.is_floating_point():
        raise TypeError(f'{name} must have a floating dtype, got {t.dtype}')
    return t


def check_images(**tensors: torch.Tensor) -> None:
    """4-D ``(B, C, H, W)`` floating tensors with ``H, W >= 1``."""
    for name, t in tensors.items():
        check_tensor(name, t, 4)
        if t.shape[2] < 1 or t.shape[3] < 1:
            raise ValueError(f'{name} must have a non-empty (H, W), got shape '
                             f'{tuple(t.shape)}')


def check_same_device(**tensors: torch.Tensor) -> torch.device:
    """All tensors on one device; returns it."""
    devices = {name: t.device for name, t in tensors.items()}
    if len(set(devices.values())) > 1:
        listed = ', '.join(f'{n} on {d}' for n, d in devices.items())
        raise ValueError(f'all tensor arguments must be on one device, got '
                         f'{listed}')
    return next(iter(devices.values()))


def check_same_dtype(**tensors: torch.Tensor) -> torch.dtype:
    """All tensors of one dtype; returns it."""
    dtypes = {name: t.dtype for name, t in tensors.items()}
    if len(set(dtypes.values())) > 1:
        listed = ', '.join(f'{n} is {d}' for n, d in dtypes.items())
        raise TypeError(f'the tensor arguments must share a dtype, got '
                        f'{listed}')
    return next(iter(dtypes.values()))


def check_dims(name: str, t: torch.Tensor, dims: Sequence[int],
               expected: Sequence[int], what: str) -> None:
    """``t.shape[d] == expected[i]`` for each ``d = dims[i]``.

    ``what`` says where the expected sizes come from (for the message).
    """
    got = tuple(t.shape[d] for d in dims)
    if got != tuple(expected):
        axes = ', '.join(str(d) for d in dims)
        raise ValueError(f'{name} must have sizes {tuple(expected)} in '
                         f'dims ({axes}) {what}, got shape {tuple(t.shape)}')


def check_int(name: str, value, minimum: Optional[int] = 1) -> int:
    """An integer (not a bool) ``>= minimum`` (any integer when ``minimum``
    is None)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f'{name} must be an int, got {value!r}')
    if minimum is not None and value < minimum:
        raise ValueError(f'{name} must be >= {minimum}, got {value}')
    return int(value)


def check_ints(name: str, values: Iterable, minimum: int = 1) -> tuple:
    """A non-empty sequence of integers ``>= minimum``."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f'{name} must be a sequence of ints, got {values!r}')
    values = tuple(values)
    if not values:
        raise ValueError(f'{name} must not be empty')
    for i, v in enumerate(values):
        check_int(f'{name}[{i}]', v, minimum)
    return tuple(int(v) for v in values)


def check_positive(name: str, value) -> float:
    """A real number ``> 0``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f'{name} must be a number, got {value!r}')
    if not value > 0:
        raise ValueError(f'{name} must be > 0, got {value}')
    return value


def check_offsets(offsets, device: torch.device) -> torch.Tensor:
    """An integer ``(T, 2)`` tensor of ``(dy, dx)`` on the CPU or
    ``device``."""
    check_tensor('offsets', offsets, 2, floating=False)
    if offsets.dtype.is_floating_point or offsets.dtype.is_complex or \
            offsets.dtype == torch.bool:
        raise TypeError(f'offsets must have an integer dtype, got '
                        f'{offsets.dtype}')
    if offsets.shape[1] != 2:
        raise ValueError(f'offsets must be (T, 2) (dy, dx) pairs, got shape '
                         f'{tuple(offsets.shape)}')
    if offsets.device.type != 'cpu' and offsets.device != device:
        raise ValueError(f'offsets must be on the CPU or on the device of the '
                         f'other tensors ({device}), got {offsets.device}')
    return offsets


def check_grad(name: str, grad: torch.Tensor, like: torch.Tensor,
               shape: Sequence[int]) -> torch.Tensor:
    """A gradient reaching a backward pass: ``shape``, ``like``'s device and
    dtype; returned contiguous."""
    check_tensor(name, grad)
    if grad.device != like.device:
        raise ValueError(f'{name} is on {grad.device}, the saved tensors on '
                         f'{like.device}')
    if grad.dtype != like.dtype:
        raise TypeError(f'{name} is {grad.dtype}, the saved tensors '
                        f'{like.dtype}')
    if tuple(grad.shape) != tuple(shape):
        raise ValueError(f'{name} must have shape {tuple(shape)}, got '
                         f'{tuple(grad.shape)}')
    return grad.contiguous()


def to_float32(op: str, *tensors: torch.Tensor):
    """The tensors with float16 / bfloat16 ones cast to float32.

    Warns once per ``op`` (and process) when it casts.
    """
    if not any(t.dtype in HALF_DTYPES for t in tensors):
        return tensors
    if op not in _HALF_WARNED:
        _HALF_WARNED.add(op)
        halves = sorted({str(t.dtype) for t in tensors
                         if t.dtype in HALF_DTYPES})
        warnings.warn(
            f'mmwsss.ops.{op}: {", ".join(halves)} inputs are computed in '
            f'float32 (the kernels support float32 and float64); the result '
            f'is cast back. This warning is shown once.', stacklevel=3)
    return tuple(t.float() if t.dtype in HALF_DTYPES else t for t in tensors)


def no_autocast(device: torch.device):
    """A context that disables autocast on ``device`` (a no-op when it is
    not enabled), so the ops see and produce their own dtypes."""
    kind = device.type
    try:
        enabled = torch.is_autocast_enabled(kind)
    except (TypeError, RuntimeError):  # device types without autocast
        return contextlib.nullcontext()
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=kind, enabled=False)
