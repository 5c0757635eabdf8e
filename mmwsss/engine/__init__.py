from .hooks import ExpansionScoreHook, MemoryBankHook, expansion_step

__all__ = ['ExpansionScoreHook', 'MemoryBankHook', 'expansion_step']
