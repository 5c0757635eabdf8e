from .hooks import MemoryBankHook

__all__ = ['MemoryBankHook']
