class WeakLabelError(ValueError):
    """A weak annotation is malformed; the message names the file and the problem."""


class EmptyWeakAnnotation(WeakLabelError):
    """An image has no usable weak label (missing or empty annotation).

    :class:`~mmwsss.datasets.WeakSegDataset` raises it with
    ``on_empty='error'`` and leaves the image out, counted, with
    ``on_empty='skip'``.
    """
