"""Fills the memory banks of a model's modules after every training
iteration and keeps them in checkpoints."""
from typing import Dict

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmwsss.models.utils.memory_bank import MemoryBankMixin, all_gather_entry
from mmwsss.registry import HOOKS


@HOOKS.register_module()
class MemoryBankHook(Hook):
    """Serves every module of the model that keeps a memory bank
    (:class:`mmwsss.models.utils.MemoryBankMixin` with a bank, e.g.
    :class:`mmwsss.models.SPMLHead` with ``memory_batches > 0``).

    - before training, marks each bank as filled by this hook (a module
      whose bank nothing fills refuses to train);
    - after every training iteration, takes each module's entry of that step
      (:meth:`MemoryBankMixin.memory_bank_entry`), gathers it from every
      process in rank order, so that all processes hold the same bank, and
      pushes it;
    - saves the banks in checkpoints (``checkpoint['memory_banks']``, by
      module name) and restores them on load, so that a resumed run
      continues with them.
    """

    priority = 'NORMAL'

    @staticmethod
    def _banked(runner) -> Dict[str, MemoryBankMixin]:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        return {name: m for name, m in model.named_modules()
                if isinstance(m, MemoryBankMixin)
                and m.memory_bank is not None}

    def before_train(self, runner) -> None:
        for module in self._banked(runner).values():
            module.memory_bank.attach(type(self).__name__)

    def after_train(self, runner) -> None:
        for module in self._banked(runner).values():
            module.memory_bank.detach()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        for module in self._banked(runner).values():
            entry = module.memory_bank_entry()
            if entry is None:
                continue
            bank = module.memory_bank
            gathered, _ = all_gather_entry(entry, bank.spec)
            bank.push(gathered)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['memory_banks'] = {
            name: module.memory_bank.state_dict()
            for name, module in self._banked(runner).items()}

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.get('memory_banks', {})
        for name, module in self._banked(runner).items():
            if name in states:
                module.memory_bank.load_state_dict(states[name])
