"""Batched inference of a segmentor over a dataset, one result per image."""
import math
from typing import Iterator, Optional, Sequence

import torch
from torch.utils.data import DataLoader, Subset

OUTPUTS = ('embeddings', 'logits')


def _unbatched(item):
    return item


def _forward(model, inputs: torch.Tensor, outputs: Sequence[str]) -> dict:
    """The requested outputs of a batch of preprocessed inputs."""
    feats = model.extract_feat(inputs)
    head = model.decode_head
    if 'embeddings' not in outputs:
        return dict(logits=head(feats))
    emb = head.embed(feats)
    out = dict(embeddings=emb)
    if 'logits' in outputs:
        out['logits'] = head.classify(emb)
    return out


def inference_dataset(model,
                      dataset,
                      outputs: Sequence[str] = ('logits', ),
                      batch_size: int = 1,
                      indices: Optional[Sequence[int]] = None,
                      num_workers: int = 0) -> Iterator[dict]:
    """Run a segmentor over a dataset and yield its outputs image by image.

    Every item (mmseg's packed dict: ``inputs`` (3, H, W) uint8 tensor and
    ``data_samples``) goes through the model's data preprocessor on its own
    (normalisation, test-time padding), then consecutive images of one
    preprocessed size are stacked, up to ``batch_size``, and passed through
    ``model.extract_feat`` and the decode head under ``torch.no_grad()``, in
    eval mode (the model's mode is restored when the generator finishes). The
    results equal those of one image at a time.

    Args:
        model (BaseSegmentor): An mmseg ``EncoderDecoder``-like model with
            ``data_preprocessor``, ``extract_feat`` and ``decode_head``. For
            ``'embeddings'`` the decode head must have ``embed(feats)`` and,
            for both outputs, ``classify(embeddings)``
            (:class:`~mmwsss.models.SPMLHead`).
        dataset (Sequence[dict]): Items in mmseg's packed format (any
            mmseg / mmwsss dataset with a pipeline ending in a packing
            transform).
        outputs (Sequence[str]): Any of ``'embeddings'`` (unit pixel
            embeddings) and ``'logits'`` (the decode head's class logits).
            Defaults to ``('logits',)``.
        batch_size (int): Images per forward pass. Defaults to 1.
        indices (Sequence[int], optional): The items to run, in this order.
            Defaults to all.
        num_workers (int): Data-loading processes (a ``DataLoader``);
            0 loads in this process. Defaults to 0.

    Yields:
        dict: ``index`` (int, the item's index in ``dataset``),
        ``data_sample`` (the item's ``SegDataSample`` as the data
        preprocessor returns it: on the model's device, with the test-time
        padding in its metainfo), and each requested output:
        ``embeddings`` (D, h, w), ``logits`` (C, h, w), on the model's device
        at the decode head's resolution, the preprocessor's padding cut away
        (``h = ceil(h_feat * img_h / H_input)``, likewise ``w``).

    Raises:
        ValueError: For an unknown output or ``batch_size < 1`` (when
            called).
        TypeError: For ``'embeddings'`` with a decode head without
            ``embed`` / ``classify`` (when called); for an item that is not
            a packed dict (when it is reached).
    """
    outputs = tuple(outputs)
    unknown = [o for o in outputs if o not in OUTPUTS]
    if not outputs or unknown:
        raise ValueError(f'outputs must be a non-empty subset of {OUTPUTS}, '
                         f'got {outputs}')
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    head = model.decode_head
    if 'embeddings' in outputs and not (hasattr(head, 'embed')
                                        and hasattr(head, 'classify')):
        raise TypeError("outputs=('embeddings', ...) needs a decode head "
                        'with embed() and classify() (SPMLHead), got '
                        f'{type(head).__name__}')
    if indices is None:
        indices = range(len(dataset))
    return _run(model, dataset, outputs, batch_size, list(indices),
                num_workers)


def _run(model, dataset, outputs, batch_size, indices, num_workers):
    """The generator of :func:`inference_dataset` (arguments checked)."""
    if num_workers > 0:
        items = DataLoader(Subset(dataset, indices), batch_size=None,
                           shuffle=False, num_workers=num_workers,
                           collate_fn=_unbatched)
    else:
        items = (dataset[i] for i in indices)

    was_training = model.training
    model.eval()
    try:
        pending = []  # (index, data_sample, preprocessed (1, 3, H, W))

        def flush():
            inputs = torch.cat([p[2] for p in pending])
            with torch.no_grad():
                out = _forward(model, inputs, outputs)
            H, W = inputs.shape[-2:]
            for k, (index, sample, _) in enumerate(pending):
                h_img, w_img = sample.metainfo.get('img_shape', (H, W))[:2]
                result = dict(index=index, data_sample=sample)
                for name in outputs:
                    value = out[name][k]
                    h = math.ceil(value.shape[-2] * h_img / H)
                    w = math.ceil(value.shape[-1] * w_img / W)
                    result[name] = value[:, :h, :w]
                yield result
            pending.clear()

        for index, item in zip(indices, items):
            if not isinstance(item, dict) or 'inputs' not in item:
                raise TypeError(
                    f'dataset[{index}] is not a packed item (a dict with '
                    "'inputs' and 'data_samples'): end the pipeline with a "
                    'packing transform such as PackWeakSegInputs')
            with torch.no_grad():
                data = model.data_preprocessor(
                    dict(inputs=[item['inputs']],
                         data_samples=[item['data_samples']]), False)
            inputs = data['inputs']
            if pending and (len(pending) == batch_size
                            or pending[0][2].shape != inputs.shape):
                yield from flush()
            pending.append((index, data['data_samples'][0], inputs))
        if pending:
            yield from flush()
    finally:
        model.train(was_training)
