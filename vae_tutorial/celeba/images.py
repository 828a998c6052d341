"""Check that images decode as the pipeline needs them: JPEG, 178×218, complete."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image
from tqdm.auto import tqdm

from .layout import IMAGE_HEIGHT, IMAGE_WIDTH

SHOWN = 10  # damaged images named in an error message


class DamagedImagesError(ValueError):
    """Images that are missing, not JPEGs, not 178×218 or cannot be decoded; ``damaged`` lists them."""

    def __init__(self, damaged: list[tuple[str, str]]):
        self.damaged = damaged
        folder = Path(damaged[0][0]).parent
        named = "; ".join(f"{Path(path).name}: {problem}" for path, problem in damaged[:SHOWN])
        more = f" and {len(damaged) - SHOWN:,} more" if len(damaged) > SHOWN else ""
        super().__init__(f"{len(damaged):,} damaged image(s) in {folder}: {named}{more}. Replace them with good "
                         f"copies (re-download CelebA, or re-generate the synthetic set), or remove their rows from "
                         f"the attribute and partition files; celeba.verify(root, check_images=True) lists them all.")


def image_problem(path) -> str | None:
    """What is wrong with one image for the pipeline, or None when it decodes as an aligned CelebA face."""
    try:
        with Image.open(path) as image:
            if image.format != "JPEG":
                return f"not a JPEG but {image.format}"
            if image.size != (IMAGE_WIDTH, IMAGE_HEIGHT):
                return f"{image.size[0]}×{image.size[1]} pixels, not {IMAGE_WIDTH}×{IMAGE_HEIGHT}"
            image.draft("RGB", (IMAGE_WIDTH // 8, IMAGE_HEIGHT // 8))  # all of the data, an eighth of the work
            image.load()
    except FileNotFoundError:
        return "missing"
    except (OSError, SyntaxError, ValueError) as error:
        return f"cannot be decoded ({error})"
    return None


def damaged_images(paths, progress: bool = True) -> list[tuple[str, str]]:
    """(path, problem) of every image among ``paths`` that ``image_problem`` rejects, in order;
    checked in parallel threads (PIL decodes without the GIL)."""
    paths = [str(p) for p in paths]
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        problems = list(tqdm(pool.map(image_problem, paths, chunksize=64), total=len(paths), unit="img",
                             desc="checking images", disable=not progress or len(paths) < 1000))
    return [(path, problem) for path, problem in zip(paths, problems) if problem]
