class WeakLabelError(ValueError):
    """A weak annotation is malformed; the message names the file and the problem."""
