"""The interface of weak-annotation sources."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from .errors import EmptyWeakAnnotation

WEAK_LABELS = ('points', 'scribbles', 'boxes', 'tags', 'densepose')


class BaseWeakAnnotation:
    """A reader of one weak-annotation format.

    ``WeakSegDataset`` builds the source from its ``weak_ann`` config (with
    ``data_root``, ``classes`` and ``weak_label`` as default arguments), calls
    :meth:`prepare` once with the dataset's data list, then :meth:`load` for
    every image. :meth:`load` returns the image's record, which joins the
    image's data info, or raises :class:`EmptyWeakAnnotation` when the image
    has no usable label. Record keys, by the kind of content:

    ======================= ============================================
    key                     content
    ======================= ============================================
    ``points``              (N, 2) float32 clicks (x, y), continuous
    ``point_labels``        (N,) int64
    ``scribbles``           list of ``(label, (K, 2) float32 polyline)``
    ``scribble_size``       (height, width) of the scribbles' frame
    ``scribble_thickness``  stroke width in pixels
    ``weak_seg_map_path``   label PNG (``ignore_index`` = unlabelled)
    ``bboxes``              (N, 4) float32 ``(x1, y1, x2, y2)``
    ``bbox_labels``         (N,) int64
    ``tags``                (T,) int64 sorted class indices
    ``weak_ann_file``       the file(s) the record comes from
    ======================= ============================================

    Args:
        data_root (str, optional): Relative paths are joined to it.
        classes (Sequence[str]): The dataset's class names.
        weak_label (str): The kind of weak label the dataset trains from.
    """

    #: The weak label kinds this source can provide.
    provides: Tuple[str, ...] = ()

    def __init__(self, data_root: Optional[str] = None,
                 classes: Sequence[str] = (),
                 weak_label: Optional[str] = None):
        self.data_root = data_root
        self.classes = tuple(classes)
        self.weak_label = weak_label
        if weak_label not in self.provides:
            raise ValueError(
                f'weak_ann type {type(self).__name__} cannot provide '
                f'{weak_label!r} labels (it provides {self.provides})')

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def abspath(self, path: str) -> str:
        """``path`` joined to ``data_root`` unless it is absolute."""
        if osp.isabs(path) or not self.data_root:
            return path
        return osp.join(self.data_root, path)

    @staticmethod
    def stem(info: dict) -> str:
        """The image's file name without directory and extension."""
        return osp.splitext(osp.basename(info['img_path']))[0]

    def per_image_file(self, info: dict, folder: str, suffix: str) -> str:
        """``<folder>/<image stem><suffix>``; :class:`EmptyWeakAnnotation`
        when the file does not exist."""
        path = osp.join(self.abspath(folder), self.stem(info) + suffix)
        if not osp.isfile(path):
            raise EmptyWeakAnnotation(f'{path}: missing weak annotation')
        return path

    def prepare(self, data_list: List[dict], pipeline=None) -> None:
        """Read what the whole dataset shares (e.g. one JSON file) before the
        per-image :meth:`load` calls. Does nothing by default.

        Args:
            data_list (list[dict]): The dataset's data infos.
            pipeline (Compose, optional): The dataset's pipeline.
        """

    def load(self, info: dict) -> dict:
        """The record of one image (see the class docstring).

        Args:
            info (dict): The image's data info (``img_path``,
                ``seg_map_path``, ...).

        Returns:
            dict: Keys to add to the data info.

        Raises:
            EmptyWeakAnnotation: The image has no usable weak label.
        """
        raise NotImplementedError
