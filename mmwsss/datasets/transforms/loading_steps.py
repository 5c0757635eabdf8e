"""The loading part of a training pipeline, for tools that read a dataset's
weak labels as they are (without augmentation)."""
import copy
from typing import List, Sequence

# Steps that read or derive labels in the original image's frame.
LOADING_TYPES = ('LoadImageFromFile', 'LoadWeakAnnotations',
                 'GenerateWeakLabelsFromMask', 'PointsFromBoxes',
                 'LoadSuperpixels')


def loading_steps(pipeline: Sequence[dict], with_seg: bool = True) -> List[dict]:
    """The loading steps of a pipeline config, with the dense mask.

    Keeps the steps of ``LOADING_TYPES`` (the weak labels of the original
    images, no augmentation), sets ``with_seg`` on ``LoadWeakAnnotations``
    and adds ``LoadWeakAnnotations(with_seg=...)`` when the pipeline derives
    its labels from masks and has none.

    Args:
        pipeline (Sequence[dict]): A training pipeline config.
        with_seg (bool): Load the dense masks. Defaults to True.

    Returns:
        list[dict]: The steps, copies of the configs.
    """
    steps = [
        copy.deepcopy(dict(t)) for t in pipeline
        if t.get('type') in LOADING_TYPES
    ]
    types = [t['type'] for t in steps]
    if 'LoadImageFromFile' not in types:
        steps.insert(0, dict(type='LoadImageFromFile'))
    if 'LoadWeakAnnotations' not in types:
        steps.insert(1, dict(type='LoadWeakAnnotations'))
    for t in steps:
        if t['type'] == 'LoadWeakAnnotations':
            t['with_seg'] = with_seg
    return steps
