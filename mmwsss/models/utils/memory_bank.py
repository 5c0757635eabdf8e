"""Memory banks: named tensors of previous training steps, kept first in,
first out, gathered from every process.

An *entry* is a dict of named tensors described by a *spec*, a dict of
:class:`BankField`. Each field counts one kind of item along its first
dimension (SPML: ``'segments'`` for prototypes, labels and images,
``'images'`` for tags); fields of one kind have the same length in an entry.
A field may hold indices into the items of another kind (a segment's image):
when entries are joined (steps of the bank, processes of a batch) those
indices are offset so that they keep pointing at their own items.

A module that keeps a bank subclasses :class:`MemoryBankMixin`: it declares
its spec and hands over each step's entry; :class:`MemoryBankHook` gathers
the entries of all processes, pushes them and saves the bank in checkpoints.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.distributed as torch_dist
from mmengine.dist import all_gather, get_rank, get_world_size
from torch.autograd import Function


class BankField(NamedTuple):
    """One named tensor of a memory-bank entry.

    Args:
        items (str): The kind of item counted by the first dimension (e.g.
            ``'segments'``); all fields of one kind have the same length.
        shape (tuple[int]): Shape after the first dimension; ``()`` for one
            value per item.
        dtype (torch.dtype): Stored dtype. Pushed values of the same family
            (floating point, integer, bool) are cast to it; others are
            refused.
        index_of (str, optional): The values index the items of this kind
            (negative values: none). Joining entries offsets them by the
            number of such items before them. Defaults to None.
    """
    items: str
    shape: Tuple[int, ...]
    dtype: torch.dtype
    index_of: Optional[str] = None


Spec = Dict[str, BankField]
Entry = Dict[str, torch.Tensor]


def _family(dtype: torch.dtype) -> str:
    if dtype == torch.bool:
        return 'bool'
    return 'float' if dtype.is_floating_point else 'int'


def check_entry(entry: Entry, spec: Spec, what: str = 'memory bank entry'
                ) -> Dict[str, int]:
    """Check an entry against a spec.

    Args:
        entry (dict[str, Tensor]): The entry.
        spec (dict[str, BankField]): Its declared fields.
        what (str): How errors name the entry.

    Returns:
        dict[str, int]: The number of items of each kind.

    Raises:
        ValueError: Fields missing or undeclared, or a field whose trailing
            shape, dtype family or item count does not match the spec.
    """
    if not isinstance(entry, dict):
        raise TypeError(f'{what} must be a dict of tensors, got '
                        f'{type(entry).__name__}')
    missing = sorted(set(spec) - set(entry))
    extra = sorted(set(entry) - set(spec))
    if missing or extra:
        raise ValueError(f'{what} has fields {sorted(entry)}; the spec '
                         f'declares {sorted(spec)} (missing {missing}, '
                         f'undeclared {extra})')
    counts: Dict[str, int] = {}
    for name, field in spec.items():
        t = entry[name]
        if not isinstance(t, torch.Tensor):
            raise TypeError(f'{what}[{name!r}] must be a tensor, got '
                            f'{type(t).__name__}')
        if t.dim() != 1 + len(field.shape) or \
                tuple(t.shape[1:]) != tuple(field.shape):
            raise ValueError(
                f'{what}[{name!r}] has shape {tuple(t.shape)}; the spec '
                f'declares (num_{field.items}, *{tuple(field.shape)})')
        if _family(t.dtype) != _family(field.dtype):
            raise ValueError(f'{what}[{name!r}] has dtype {t.dtype}; the '
                             f'spec declares {field.dtype}')
        n = counts.setdefault(field.items, t.shape[0])
        if t.shape[0] != n:
            raise ValueError(
                f'{what}: the {field.items} fields disagree in length '
                f'({name!r} has {t.shape[0]}, others {n})')
    for name, field in spec.items():
        if field.index_of is not None and field.index_of not in counts:
            raise ValueError(f'spec field {name!r} indexes '
                             f'{field.index_of!r}, which no field counts')
    return counts


def concat_entries(entries: Sequence[Entry], spec: Spec) -> Entry:
    """Join entries into one, offsetting the index fields.

    Args:
        entries (list[dict[str, Tensor]]): Entries of ``spec`` (at least
            one).
        spec (dict[str, BankField]): Their fields.

    Returns:
        dict[str, Tensor]: Fields concatenated along the first dimension;
        values of a field with ``index_of`` are offset by the number of
        items of that kind in the entries before (negative values stay).
    """
    if not entries:
        raise ValueError('concat_entries needs at least one entry')
    offsets = {kind: 0 for kind in {f.items for f in spec.values()}}
    parts: Dict[str, List[torch.Tensor]] = {name: [] for name in spec}
    for entry in entries:
        counts = check_entry(entry, spec)
        for name, field in spec.items():
            t = entry[name]
            if field.index_of is not None and offsets[field.index_of]:
                t = torch.where(t >= 0, t + offsets[field.index_of], t)
            parts[name].append(t)
        for kind, n in counts.items():
            offsets[kind] += n
    return {name: torch.cat(ts) for name, ts in parts.items()}


class _AllGatherWithGrad(Function):
    """``all_gather`` of equal-shaped tensors, stacked (world, ...); the
    backward pass sums every process's gradient of each part and hands each
    process the sum for its own part."""

    @staticmethod
    def forward(ctx, tensor):
        parts = [torch.empty_like(tensor)
                 for _ in range(torch_dist.get_world_size())]
        torch_dist.all_gather(parts, tensor.contiguous())
        return torch.stack(parts)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous().clone()
        torch_dist.all_reduce(grad)
        return grad[torch_dist.get_rank()]


def all_gather_entry(entry: Entry, spec: Spec,
                     grad_fields: Sequence[str] = ()
                     ) -> Tuple[Entry, Dict[str, int]]:
    """One entry holding every process's items, in rank order.

    Entries may differ in their item counts between processes: each field is
    padded to the largest count, gathered and cut back; index fields are
    offset as in :func:`concat_entries`. Every process must call it (it is a
    collective). Without an initialised process group, or with one process,
    the entry comes back as it is.

    Args:
        entry (dict[str, Tensor]): This process's entry.
        spec (dict[str, BankField]): Its fields.
        grad_fields (Sequence[str]): Fields gathered with autograd: the
            gradient of the gathered tensor flows back to the process that
            owns each row (summed over all processes' losses); the other
            fields are gathered as constants. Every process must then run
            the backward pass through them (as a loss under
            ``DistributedDataParallel`` does).

    Returns:
        tuple: the gathered entry and the offset of this process's items in
        it, per kind (``{'segments': ..., 'images': ...}``).
    """
    counts = check_entry(entry, spec)
    kinds = sorted(counts)
    world = get_world_size()
    if world == 1:
        return dict(entry), {kind: 0 for kind in kinds}
    unknown = set(grad_fields) - set(spec)
    if unknown:
        raise ValueError(f'grad_fields {sorted(unknown)} are not in the '
                         f'spec {sorted(spec)}')
    device = next(iter(entry.values())).device
    sizes = torch.tensor([counts[k] for k in kinds], device=device)
    all_sizes = torch.stack(all_gather(sizes)).cpu()  # (world, kinds)
    rank = get_rank()
    largest = {k: int(all_sizes[:, i].max()) for i, k in enumerate(kinds)}
    offsets = {k: int(all_sizes[:rank, i].sum()) for i, k in enumerate(kinds)}
    gathered = {}
    for name, field in spec.items():
        t = entry[name]
        pad = t.new_zeros((largest[field.items] - t.shape[0], ) +
                          tuple(t.shape[1:]))
        t = torch.cat([t, pad])
        if name in grad_fields:
            parts = list(_AllGatherWithGrad.apply(t).unbind(0))
        else:
            parts = all_gather(t.detach())
        gathered[name] = parts
    entries = []
    for r in range(world):
        n = {k: int(all_sizes[r, i]) for i, k in enumerate(kinds)}
        entries.append({name: gathered[name][r][:n[field.items]]
                        for name, field in spec.items()})
    return concat_entries(entries, spec), offsets


class MemoryBank:
    """The entries of the last ``num_batches`` steps, first in, first out.

    Entries are checked against ``spec``, detached and stored in the
    declared dtypes; :meth:`get` joins them with :func:`concat_entries`.
    ``feeder`` names what fills the bank during training
    (:class:`MemoryBankHook` sets it with :meth:`attach`); a module that
    reads the bank refuses to train while it is None.

    Args:
        num_batches (int): Steps kept (SPML: 2).
        spec (dict[str, BankField]): Fields of an entry.
    """

    def __init__(self, num_batches: int, spec: Spec):
        if int(num_batches) < 1:
            raise ValueError(f'num_batches must be >= 1, got {num_batches}')
        self.num_batches = int(num_batches)
        self.spec = dict(spec)
        self.entries: List[Entry] = []
        self.feeder: Optional[str] = None

    def __len__(self) -> int:
        return len(self.entries)

    def attach(self, feeder: str) -> None:
        """Record what fills the bank (e.g. ``'MemoryBankHook'``)."""
        self.feeder = feeder

    def detach(self) -> None:
        """Record that nothing fills the bank any more."""
        self.feeder = None

    def push(self, entry: Entry) -> None:
        """Append an entry, dropping the oldest beyond ``num_batches``.

        Args:
            entry (dict[str, Tensor]): Fields of :attr:`spec`.
        """
        check_entry(entry, self.spec)
        self.entries.append({
            name: entry[name].detach().to(field.dtype)
            for name, field in self.spec.items()})
        del self.entries[:-self.num_batches]

    def get(self, device=None) -> Optional[Entry]:
        """All kept entries joined into one (oldest first), on ``device``, or
        None when the bank is empty."""
        if not self.entries:
            return None
        out = concat_entries(self.entries, self.spec)
        return {k: v.to(device) for k, v in out.items()}

    def clear(self) -> None:
        self.entries = []

    def state_dict(self) -> dict:
        """``num_batches`` and the entries (on the CPU)."""
        return dict(num_batches=self.num_batches,
                    entries=[{k: v.cpu() for k, v in e.items()}
                             for e in self.entries])

    def load_state_dict(self, state: dict) -> None:
        """Restore the entries of :meth:`state_dict`; each is checked against
        :attr:`spec`, and only the last ``num_batches`` of this bank are
        kept."""
        if not isinstance(state, dict) or 'entries' not in state:
            raise ValueError('a memory bank state is a dict with "entries", '
                             f'got {type(state).__name__}')
        self.clear()
        for i, entry in enumerate(state['entries']):
            check_entry(entry, self.spec, f'saved memory bank entry {i}')
            self.push(entry)


class MemoryBankMixin:
    """Interface of a module that keeps a :class:`MemoryBank` filled by
    :class:`MemoryBankHook`.

    A subclass declares its entry with :meth:`memory_bank_spec`, creates the
    bank with :meth:`init_memory_bank`, hands each training step's entry
    (this process's items) to the hook through :meth:`memory_bank_entry`,
    and calls :meth:`check_memory_bank` before it reads the bank.
    """

    memory_bank: Optional[MemoryBank] = None

    def memory_bank_spec(self) -> Spec:
        """The fields of an entry (dict of :class:`BankField`)."""
        raise NotImplementedError

    def memory_bank_entry(self) -> Optional[Entry]:
        """This process's entry of the last training step, handed over once
        (None when there is none)."""
        raise NotImplementedError

    def init_memory_bank(self, num_batches: int) -> None:
        """Create the bank (``num_batches`` > 0) or none (0)."""
        if num_batches < 0:
            raise ValueError(f'memory_batches must be >= 0, got {num_batches}')
        self.memory_bank = MemoryBank(num_batches, self.memory_bank_spec()) \
            if num_batches > 0 else None

    def check_memory_bank(self) -> None:
        """Refuse to train with a bank that nothing fills.

        Raises:
            RuntimeError: The module has a bank and no
                :class:`MemoryBankHook` serves it.
        """
        bank = self.memory_bank
        if bank is None or bank.feeder is not None:
            return
        name = type(self).__name__
        raise RuntimeError(
            f'{name} keeps a memory bank of the previous {bank.num_batches} '
            'batches, which MemoryBankHook fills after every training step; '
            'no MemoryBankHook serves this model, so it would train without '
            "the bank. Add dict(type='MemoryBankHook') to custom_hooks in "
            f'the config, or set memory_batches=0 in the {name} config to '
            'train without a bank.')
