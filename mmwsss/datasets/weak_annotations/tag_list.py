"""Image tags from a list file: ``image_id tag tag ...`` per line.

Tags are class names or class indices; blank lines and ``#`` comments are
skipped.
"""
from typing import Dict, List, Sequence

import numpy as np

from mmwsss.registry import WEAK_ANNOTATIONS
from .base import BaseWeakAnnotation
from .errors import EmptyWeakAnnotation, WeakLabelError


def load_tag_list(path: str, class_names: Sequence[str]) -> Dict[str, np.ndarray]:
    """Read a tag list file.

    Args:
        path (str): The text file.
        class_names (Sequence[str]): The dataset's class names.

    Returns:
        dict: image id -> sorted unique class indices (int64).
    """
    index = {name: i for i, name in enumerate(class_names)}
    out = {}
    try:
        with open(path, encoding='utf-8') as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise WeakLabelError(f'{path}: cannot read tag list ({e})') from e
    for lineno, line in enumerate(lines, 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        image_id, *tags = line.split()
        labels = []
        for tag in tags:
            if tag in index:
                labels.append(index[tag])
            elif tag.isdigit() and int(tag) < len(class_names):
                labels.append(int(tag))
            else:
                raise WeakLabelError(
                    f'{path}:{lineno}: unknown tag {tag!r} for {image_id}')
        out[image_id] = np.unique(np.asarray(labels, dtype=np.int64))
    return out


def tags_from_mask(mask: np.ndarray, num_classes: int,
                   ignore_index: int = 255) -> np.ndarray:
    """The classes present in a dense label map (sorted int64 indices)."""
    values = np.unique(mask)
    return values[(values != ignore_index) & (values < num_classes)].astype(
        np.int64)


@WEAK_ANNOTATIONS.register_module(name=['TagList', 'tag_list'])
class TagList(BaseWeakAnnotation):
    """A tag list file, ``image_id tag tag ...`` per line (tags).

    Args:
        file (str): The text file, relative to ``data_root``.
        **kwargs: Arguments of :class:`BaseWeakAnnotation`.
    """
    provides = ('tags', )

    def __init__(self, file: str, **kwargs):
        super().__init__(**kwargs)
        self.file = self.abspath(file)
        self.tags: Dict[str, np.ndarray] = {}

    def prepare(self, data_list: List[dict], pipeline=None) -> None:
        self.tags = load_tag_list(self.file, self.classes)

    def load(self, info: dict) -> dict:
        tags = self.tags.get(self.stem(info))
        if tags is None or not len(tags):
            raise EmptyWeakAnnotation(
                f'{self.file}: no tags for {self.stem(info)}')
        return dict(tags=tags, weak_ann_file=self.file)
