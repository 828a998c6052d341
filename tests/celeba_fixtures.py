"""Small copies of CelebA written in each layout people have on disk, with the real files' quirks.

The layouts are spelled out here on their own (not taken from vae_tutorial.celeba), so the tests
check the package against an independent statement of what is on disk.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from vae_tutorial.celeba import ATTRIBUTES, IMAGE_HEIGHT, IMAGE_WIDTH, write_attributes_txt, write_partition_txt

# kind -> (images folder, attribute file, partition file), relative to the data set's root
LAYOUTS = {
    "official": ("Img/img_align_celeba", "Anno/list_attr_celeba.txt", "Eval/list_eval_partition.txt"),
    "torchvision": ("img_align_celeba", "list_attr_celeba.txt", "list_eval_partition.txt"),
    "kaggle": ("img_align_celeba/img_align_celeba", "list_attr_celeba.csv", "list_eval_partition.csv"),
}
# where a user's folder may hold the data set one level down
DEEPER = {"official": "CelebA", "torchvision": "celeba", "kaggle": "versions/2"}


def expected_attributes(n: int = 12, seed: int = 0) -> pd.DataFrame:
    """What load_attributes should return for the fixture: 0/1 int8, index ``image_id``."""
    names = pd.Index([f"{i:06d}.jpg" for i in range(1, n + 1)], name="image_id")
    values = np.random.default_rng(seed).integers(0, 2, size=(n, len(ATTRIBUTES)), dtype=np.int8)
    return pd.DataFrame(values, index=names, columns=list(ATTRIBUTES))


def expected_partition(n: int = 12) -> pd.Series:
    """In file order, like CelebA: mostly train, then valid, then test."""
    codes = np.repeat([0, 1, 2], [n - 2 * (n // 6), n // 6, n // 6])
    names = expected_attributes(n).index
    return pd.Series(pd.Categorical.from_codes(codes, ("train", "valid", "test")), index=names, name="partition")


def jpeg(index: int) -> bytes:
    """A small real 178×218 JPEG, a different shade per image."""
    buffer = io.BytesIO()
    Image.new("RGB", (IMAGE_WIDTH, IMAGE_HEIGHT), (index * 20 % 256, 90, 160)).save(buffer, "JPEG", quality=50)
    return buffer.getvalue()


def write_celeba(folder: Path, kind: str = "official", *, n: int = 12, deeper: bool = False, crlf: bool = False):
    """Write the fixture data set in ``kind``'s layout under ``folder`` (one level down if ``deeper``).

    Returns the data set's own root. ``crlf`` gives the text files Windows line endings.
    """
    root = Path(folder) / DEEPER[kind] if deeper else Path(folder)
    images, attributes_file, partition_file = (root / part for part in LAYOUTS[kind])
    for path in (images, attributes_file.parent, partition_file.parent):
        path.mkdir(parents=True, exist_ok=True)
    attributes, partition = expected_attributes(n), expected_partition(n)
    for i, name in enumerate(attributes.index):
        (images / name).write_bytes(jpeg(i))
    if kind == "kaggle":
        write_kaggle_csvs(attributes_file, partition_file, attributes, partition)
    else:
        write_attributes_txt(attributes_file, attributes)
        write_partition_txt(partition_file, partition)
    if crlf:
        for path in (attributes_file, partition_file):
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return root


def write_kaggle_csvs(attributes_file: Path, partition_file: Path, attributes: pd.DataFrame, partition: pd.Series):
    """Kaggle's CSVs: ``image_id,5_o_Clock_Shadow,…`` with -1/1 values; ``image_id,partition`` with 0/1/2."""
    signs = attributes.to_numpy() * 2 - 1
    rows = [",".join(["image_id", *ATTRIBUTES])]
    rows += [",".join([name, *map(str, row)]) for name, row in zip(attributes.index, signs)]
    attributes_file.write_text("\n".join(rows) + "\n")
    codes = partition.cat.codes
    partition_file.write_text("image_id,partition\n" + "".join(f"{name},{code}\n" for name, code in codes.items()))
