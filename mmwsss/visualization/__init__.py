from .panels import colorize_label, weak_label_panel

__all__ = ['colorize_label', 'weak_label_panel']
