from .pseudo_masks import weak_to_pseudo_mask

__all__ = ['weak_to_pseudo_mask']
