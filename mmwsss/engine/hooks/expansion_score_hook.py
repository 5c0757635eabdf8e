"""Updates the expansion scores of PMP's distance fields from the training
loss, epoch by epoch, and keeps them in checkpoints (method specs,
Sec. 4.3 (5))."""
import logging
import math
from typing import Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop

from mmwsss.registry import HOOKS

__all__ = ['expansion_step', 'ExpansionScoreHook']


def expansion_step(prev_loss: float, loss: float, eta: float,
                   omega: float) -> float:
    """Change of the expansion score after an epoch.

    ``min(max(prev_loss / loss - 1, omega), eta)``: the relative improvement
    of the epoch's loss over the previous one, at most ``eta`` and at least
    ``omega`` (a worse loss gives a negative step).

    Args:
        prev_loss (float): Mean training loss of the previous epoch.
        loss (float): Mean training loss of this epoch, positive.
        eta (float): Largest step (PMP: 0.025).
        omega (float): Smallest step (PMP: -0.025), at most ``eta``.

    Returns:
        float: The step.

    Raises:
        ValueError: If a loss is not finite, ``loss <= 0`` or
            ``omega > eta``.
    """
    prev_loss, loss = float(prev_loss), float(loss)
    eta, omega = float(eta), float(omega)
    if not (math.isfinite(prev_loss) and math.isfinite(loss)):
        raise ValueError(f'losses must be finite, got prev_loss={prev_loss}, '
                         f'loss={loss}')
    if loss <= 0:
        raise ValueError(f'loss must be positive, got {loss}')
    if omega > eta:
        raise ValueError(f'omega ({omega}) must not exceed eta ({eta})')
    return min(max(prev_loss / loss - 1, omega), eta)


def _clamp01(value: float) -> float:
    return min(max(value, 0.0), 1.0)


@HOOKS.register_module()
class ExpansionScoreHook(Hook):
    """Expansion scores ``E_obj`` / ``E_bg`` of PMP's distance fields
    (:func:`mmwsss.models.utils.expanding_distance_fields`).

    Both start at 0. At the end of every training epoch from the second on,
    ``dE = expansion_step(L_prev, L, eta, omega)`` with ``L`` the epoch's
    mean training loss (``outputs['loss']`` of every iteration, averaged
    over the iterations of all processes) and ``L_prev`` that of the
    previous epoch; then ``E_bg += dE`` and ``E_obj += object_speed * dE``,
    both clamped to [0, 1]. An epoch whose mean loss is not finite or not
    positive changes nothing and is skipped as ``L_prev`` (the next epoch
    only records its loss), with a warning.

    With :class:`~mmengine.runner.EpochBasedTrainLoop` the epoch ends at
    ``after_train_epoch``; with :class:`~mmengine.runner.IterBasedTrainLoop`
    every ``len(runner.train_dataloader)`` iterations (one pass over the
    training set) count as an epoch. Other loops are refused.

    The scores are pushed to the model's ``decode_head`` (inside a model
    wrapper such as DDP) before training and after each update, by setting
    its attributes ``e_obj`` and ``e_bg``: plain floats are replaced,
    tensors (e.g. buffers) filled in place. The hook owns the scores: values
    the head starts with are overwritten. A model whose ``decode_head`` has
    no such attributes (no distance fields, e.g. :class:`PMPHead` with
    ``distance_fields=False``) is refused at ``before_run``, when the runner
    starts, before any data is loaded.

    The scores are logged as the scalars ``train/e_obj`` and ``train/e_bg``
    (message hub, at the start and after every epoch) and by a log line at
    every update. They are saved in checkpoints
    (``checkpoint['expansion_score']``, with the previous epoch's loss and
    the running sums of the current one) and restored from any checkpoint
    loaded (``resume``, and also ``load_from``); a checkpoint without them
    resets every score to 0, with a warning.

    Args:
        eta (float): Largest step per epoch. Defaults to 0.025.
        omega (float): Smallest step per epoch (negative: a worse loss
            shrinks the fields). Defaults to -0.025.
        object_speed (float): Step of ``E_obj`` per step of ``E_bg``.
            Defaults to 2.0.
    """

    # Before LoggerHook (BELOW_NORMAL) and CheckpointHook (VERY_LOW), so
    # that the epoch's scores are logged and saved.
    priority = 'NORMAL'

    def __init__(self, eta: float = 0.025, omega: float = -0.025,
                 object_speed: float = 2.0) -> None:
        if omega > eta:
            raise ValueError(f'omega ({omega}) must not exceed eta ({eta})')
        if object_speed < 0:
            raise ValueError(
                f'object_speed must be non-negative, got {object_speed}')
        self.eta = float(eta)
        self.omega = float(omega)
        self.object_speed = float(object_speed)
        self._by_iter: Optional[bool] = None
        self._reset_state()

    def _reset_state(self) -> None:
        self.e_obj = 0.0
        self.e_bg = 0.0
        self.prev_loss: Optional[float] = None
        self._loss_sum = 0.0
        self._loss_count = 0

    @staticmethod
    def _head(runner):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        head = getattr(model, 'decode_head', None)
        if head is None:
            raise TypeError(
                f'{ExpansionScoreHook.__name__} needs a model with a '
                f'decode_head that has distance fields; '
                f'{type(model).__name__} has no decode_head')
        if not (hasattr(head, 'e_obj') and hasattr(head, 'e_bg')):
            raise TypeError(
                f'{ExpansionScoreHook.__name__} needs a decode head with '
                f'distance fields (attributes e_obj and e_bg); '
                f'{type(head).__name__} has none')
        return head

    def _push(self, runner) -> None:
        head = self._head(runner)
        for name, value in (('e_obj', self.e_obj), ('e_bg', self.e_bg)):
            current = getattr(head, name)
            if isinstance(current, torch.Tensor):
                with torch.no_grad():
                    current.fill_(value)
            else:
                setattr(head, name, float(value))

    def _log_scalars(self, runner) -> None:
        runner.message_hub.update_scalar('train/e_obj', self.e_obj)
        runner.message_hub.update_scalar('train/e_bg', self.e_bg)

    def before_run(self, runner) -> None:
        """Refuse a model without distance fields before anything runs."""
        self._head(runner)

    def before_train(self, runner) -> None:
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            self._by_iter = True
        elif isinstance(loop, EpochBasedTrainLoop):
            self._by_iter = False
        else:
            raise TypeError(
                f'{type(self).__name__} supports EpochBasedTrainLoop and '
                f'IterBasedTrainLoop, not {type(loop).__name__}')
        self._epoch_len = len(runner.train_dataloader)
        if self._epoch_len <= 0:
            raise ValueError('the training dataloader is empty')
        self._push(runner)  # also refuses a head without distance fields
        self._log_scalars(runner)

    def before_train_epoch(self, runner) -> None:
        if not self._by_iter:
            # An epoch is always run whole: drop the sums of a mid-epoch
            # checkpoint, whose epoch is run again from its start.
            self._loss_sum, self._loss_count = 0.0, 0

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if outputs is None or 'loss' not in outputs:
            raise KeyError(f'{type(self).__name__} needs the training loss '
                           "as outputs['loss'] of every iteration")
        loss = outputs['loss']
        if isinstance(loss, torch.Tensor):
            loss = loss.detach().float().mean()
        self._loss_sum += float(loss)
        self._loss_count += 1
        # IterBasedTrainLoop passes the global iteration as batch_idx.
        if self._by_iter and (batch_idx + 1) % self._epoch_len == 0:
            self._end_epoch(runner, (batch_idx + 1) // self._epoch_len)

    def after_train_epoch(self, runner) -> None:
        if not self._by_iter:
            epoch = getattr(runner, 'epoch', None)
            self._end_epoch(runner, None if epoch is None else epoch + 1)

    def _end_epoch(self, runner, epoch: Optional[int]) -> None:
        stats = torch.tensor([self._loss_sum, self._loss_count],
                             dtype=torch.float64)
        all_reduce(stats, op='sum')
        self._loss_sum, self._loss_count = 0.0, 0
        total, count = stats.tolist()
        name = 'the epoch' if epoch is None else f'epoch {epoch}'
        if count == 0:
            return
        loss = total / count
        if not math.isfinite(loss) or loss <= 0:
            print_log(
                f'{type(self).__name__}: mean training loss of {name} is '
                f'{loss}; expansion scores left at E_obj={self.e_obj:.4f}, '
                f'E_bg={self.e_bg:.4f}', logger='current',
                level=logging.WARNING)
            self.prev_loss = None
            return
        if self.prev_loss is not None:
            step = expansion_step(self.prev_loss, loss, self.eta, self.omega)
            self.e_bg = _clamp01(self.e_bg + step)
            self.e_obj = _clamp01(self.e_obj + self.object_speed * step)
            self._push(runner)
            print_log(
                f'Expansion scores after {name}: E_obj={self.e_obj:.4f}, '
                f'E_bg={self.e_bg:.4f} (mean loss {self.prev_loss:.4f} -> '
                f'{loss:.4f}, step {step:+.4f})', logger='current')
        self.prev_loss = loss
        self._log_scalars(runner)

    def state_dict(self) -> dict:
        """The scores, the previous epoch's loss and the running sums."""
        return dict(e_obj=self.e_obj, e_bg=self.e_bg,
                    prev_loss=self.prev_loss, loss_sum=self._loss_sum,
                    loss_count=self._loss_count)

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.e_obj = float(state['e_obj'])
        self.e_bg = float(state['e_bg'])
        prev = state.get('prev_loss')
        self.prev_loss = None if prev is None else float(prev)
        self._loss_sum = float(state.get('loss_sum', 0.0))
        self._loss_count = int(state.get('loss_count', 0))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['expansion_score'] = self.state_dict()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('expansion_score')
        if state is None:
            self._reset_state()
            print_log(
                f'{type(self).__name__}: the checkpoint has no expansion '
                'scores (expansion_score); E_obj and E_bg start at 0',
                logger='current', level=logging.WARNING)
            return
        self.load_state_dict(state)
