"""MemoryBank: a generic entry schema, first in first out, index offsets,
checks that name the field, and states (old SPML checkpoints included)."""
import pytest
import torch

from mmwsss.models.utils import (BankField, MemoryBank, MemoryBankMixin,
                                 check_entry, concat_entries)

# not SPML's: rows of features owned by groups, one weight per group
SPEC = dict(
    feat=BankField('rows', (2, ), torch.float32),
    owner=BankField('rows', (), torch.long, index_of='groups'),
    weight=BankField('groups', (), torch.float64))


def entry(v, rows, groups):
    return dict(feat=torch.full((rows, 2), float(v)),
                owner=torch.arange(rows) % groups,
                weight=torch.arange(groups, dtype=torch.float64) + 10 * v)


def test_fifo_and_offsets():
    bank = MemoryBank(2, SPEC)
    assert bank.get() is None
    for v, (rows, groups) in enumerate([(3, 1), (2, 2), (4, 3)]):
        bank.push(entry(v, rows, groups))
    assert len(bank) == 2
    got = bank.get()
    # the last two entries, oldest first
    assert got['feat'][:, 0].tolist() == [1, 1, 2, 2, 2, 2]
    # the second entry's owners are offset by the first's 2 groups
    assert got['owner'].tolist() == [0, 1, 2, 3, 4, 2]
    assert got['weight'].tolist() == [10, 11, 20, 21, 22]
    assert got['weight'].dtype == torch.float64


def test_concat_keeps_missing_indices_and_casts_on_push():
    a = dict(feat=torch.zeros(2, 2), owner=torch.tensor([-1, 0]),
             weight=torch.ones(1, dtype=torch.float64))
    b = dict(feat=torch.ones(1, 2), owner=torch.tensor([-1]),
             weight=torch.ones(2, dtype=torch.float64))
    c = dict(feat=torch.ones(1, 2), owner=torch.tensor([1]),
             weight=torch.ones(2, dtype=torch.float64))
    # -1 means none and stays; others are offset by the groups before
    assert concat_entries([a, b, c], SPEC)['owner'].tolist() == [-1, 0, -1, 4]
    bank = MemoryBank(1, SPEC)
    bank.push(dict(feat=torch.ones(1, 2, dtype=torch.float64),
                   owner=torch.tensor([0], dtype=torch.int32),
                   weight=torch.ones(1, dtype=torch.float16)))
    stored = bank.entries[0]
    assert stored['feat'].dtype == torch.float32
    assert stored['owner'].dtype == torch.long
    assert stored['weight'].dtype == torch.float64


@pytest.mark.parametrize('change,match', [
    (lambda e: e.pop('weight'), r"missing \['weight'\]"),
    (lambda e: e.update(extra=torch.zeros(3)), r"undeclared \['extra'\]"),
    (lambda e: e.update(feat=torch.zeros(3, 4)), r"\['feat'\] has shape"),
    (lambda e: e.update(owner=torch.zeros(3)), r"\['owner'\] has dtype"),
    (lambda e: e.update(owner=torch.zeros(4, dtype=torch.long)),
     'rows fields disagree'),
    (lambda e: e.update(feat=[[0, 0]] * 3), r"\['feat'\] must be a tensor"),
])
def test_bad_entries_are_named(change, match):
    e = entry(0, 3, 2)
    change(e)
    with pytest.raises((ValueError, TypeError), match=match):
        MemoryBank(2, SPEC).push(e)


def test_spec_index_needs_its_kind():
    spec = dict(owner=BankField('rows', (), torch.long, index_of='groups'))
    with pytest.raises(ValueError, match="indexes 'groups'"):
        check_entry(dict(owner=torch.zeros(2, dtype=torch.long)), spec)
    with pytest.raises(ValueError, match='num_batches'):
        MemoryBank(0, spec)


def test_state_round_trip_keeps_configured_length():
    bank = MemoryBank(3, SPEC)
    for v in range(3):
        bank.push(entry(v, 2 + v, 1 + v))
    state = bank.state_dict()
    clone = MemoryBank(2, SPEC)
    clone.load_state_dict(state)
    assert clone.num_batches == 2 and len(clone) == 2
    # the last two entries: 3 + 4 rows, 2 + 3 groups
    got, full = clone.get(), bank.get()
    assert torch.equal(got['feat'], full['feat'][2:])
    assert torch.equal(got['weight'], full['weight'][1:])
    assert got['owner'].tolist() == [0, 1, 0, 2, 3, 4, 2]
    bad = dict(entries=[dict(feat=torch.zeros(1, 2))])
    with pytest.raises(ValueError, match='saved memory bank entry 0'):
        clone.load_state_dict(bad)


def test_spml_head_loads_a_bank_state_of_the_four_key_format():
    """A bank state as SPML checkpoints store it: ``num_batches`` and
    entries of prototypes, labels, image, tags."""
    from .spml_reference import make_head
    head = make_head()
    old = dict(num_batches=2, entries=[
        dict(prototypes=torch.rand(3, 6), labels=torch.tensor([0, -1, 2]),
             image=torch.tensor([0, 0, 1]), tags=torch.eye(4)[:2]),
        dict(prototypes=torch.rand(1, 6), labels=torch.tensor([1]),
             image=torch.tensor([0]), tags=torch.eye(4)[2:3]),
    ])
    head.memory_bank.load_state_dict(old)
    got = head.memory_bank.get()
    assert got['image'].tolist() == [0, 0, 1, 2]
    assert got['labels'].tolist() == [0, -1, 2, 1]
    assert got['tags'].shape == (3, 4)


def test_mixin_refuses_an_unfed_bank():
    class Banked(MemoryBankMixin):

        def memory_bank_spec(self):
            return SPEC

    m = Banked()
    m.init_memory_bank(0)
    m.check_memory_bank()  # no bank, nothing to fill
    m.init_memory_bank(2)
    with pytest.raises(RuntimeError, match='Banked keeps a memory bank'):
        m.check_memory_bank()
    m.memory_bank.attach('MemoryBankHook')
    m.check_memory_bank()
    m.memory_bank.detach()
    with pytest.raises(RuntimeError, match='MemoryBankHook'):
        m.check_memory_bank()
