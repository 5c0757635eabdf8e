from .expansion_score_hook import ExpansionScoreHook, expansion_step
from .memory_bank_hook import MemoryBankHook

__all__ = ['ExpansionScoreHook', 'MemoryBankHook', 'expansion_step']
