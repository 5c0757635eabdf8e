from .memory_bank_hook import MemoryBankHook

__all__ = ['MemoryBankHook']
