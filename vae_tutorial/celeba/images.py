"""Check that CelebA's images are complete 178×218 JPEGs, in parallel (the scan also serves ``folder.py``)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image
from tqdm.auto import tqdm

from ..messages import first_few
from .layout import IMAGE_HEIGHT, IMAGE_WIDTH

SHOWN = 10  # damaged images named in an error message


class DamagedImagesError(ValueError):
    """Images that are missing, cannot be decoded, or (for CelebA's layout) are not 178×218 JPEGs;
    ``damaged`` lists them."""

    def __init__(self, damaged: list[tuple[str, str]]):
        self.damaged = damaged
        folder = Path(damaged[0][0]).parent
        super().__init__(f"{len(damaged):,} damaged image(s) in {folder}: {named(damaged)}. Replace them with good "
                         f"copies (re-download CelebA, or re-generate the synthetic set), or remove their rows from "
                         f"the attribute and partition files; celeba.verify(root, check_images=True) lists them all.")


def named(damaged: list[tuple[str, str]]) -> str:
    """The first damaged images and their problems, for a message."""
    return first_few((f"{Path(path).name}: {problem}" for path, problem in damaged), SHOWN, "; ")


def image_problem(path, size: tuple[int, int] = (IMAGE_WIDTH, IMAGE_HEIGHT)) -> str | None:
    """What keeps one image from being a complete JPEG of ``size`` (width, height), or None."""
    try:
        with Image.open(path) as image:
            if image.format != "JPEG":
                return f"not a JPEG but {image.format}"
            if image.size != size:
                return f"{image.size[0]}×{image.size[1]} pixels, not {size[0]}×{size[1]}"
            image.draft("RGB", (image.size[0] // 8, image.size[1] // 8))  # all of the data, an eighth of the work
            image.load()
    except FileNotFoundError:
        return "missing"
    except (OSError, SyntaxError, ValueError) as error:
        return f"cannot be decoded ({error})"
    return None


def damaged_images(paths, progress: bool = True, check=image_problem) -> list[tuple[str, str]]:
    """(path, problem) of every image among ``paths`` that ``check`` (by default CelebA's ``image_problem``)
    rejects, in order; checked in parallel threads (PIL decodes without the GIL)."""
    paths = [str(p) for p in paths]
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        problems = list(tqdm(pool.map(check, paths, chunksize=64), total=len(paths), unit="img",
                             desc="checking images", disable=not progress or len(paths) < 1000))
    return [(path, problem) for path, problem in zip(paths, problems) if problem]
