from typing import Tuple

from PIL import Image


def image_size(path: str) -> Tuple[int, int]:
    """(height, width) of an image file, read from its header.

    Raises:
        FileNotFoundError: No such file.
        ValueError: The file is no readable image; the message names it.
    """
    try:
        with Image.open(path) as im:
            w, h = im.size
    except FileNotFoundError as e:
        raise FileNotFoundError(f'{path}: no such image') from e
    except OSError as e:
        raise ValueError(f'{path}: cannot read the image size ({e})') from e
    return h, w
