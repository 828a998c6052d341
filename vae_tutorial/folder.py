"""Your own images: a folder of pictures and one CSV of yes/no attributes, in place of CelebA.

    my_faces/
        labels.csv          file,smiling,hat[,partition]   (any attribute names)
        img_0001.png ...    JPEG or PNG, any size, here or in one subfolder

The CSV's first column names the image files; every other column is a binary attribute written
as 0/1, -1/1 or true/false (yes/no too); an optional ``partition`` column says train/valid/test
(or 0/1/2). Without one, a seeded 80/10/10 split is drawn. Images are centre-cropped to a square
and resized; CelebA's face window does not apply. Errors name the file, the line and the fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
PARTITION_COLUMN = "partition"
SPLITS = ("train", "valid", "test")
SPLIT_SHARES = (0.8, 0.1, 0.1)  # without a partition column
SPLIT_SEED = 0  # the same split for every run on the same folder
_TRUE, _FALSE = {"1", "true", "yes"}, {"0", "-1", "false", "no"}
_SPLIT_NAMES = {"train": "train", "0": "train", "valid": "valid", "validation": "valid", "val": "valid", "1": "valid",
                "test": "test", "2": "test"}


class FolderFormatError(ValueError):
    """The CSV of an image folder is not as described in this module's docstring."""


@dataclass(frozen=True)
class ImageFolder:
    """Where the labels and the images of a folder data set are."""

    root: Path
    labels_file: Path
    images_dir: Path


def is_present(root) -> bool:
    """Whether ``root`` is a folder with one CSV and image files (in it or in one subfolder)."""
    try:
        find(root)
    except FileNotFoundError:
        return False
    return True


def find(root) -> ImageFolder:
    """The folder data set at ``root``; raises FileNotFoundError saying what is missing."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder.")
    csvs = sorted(root.glob("*.csv"))
    if len(csvs) != 1:
        found = f"{len(csvs)} CSV files ({', '.join(p.name for p in csvs)})" if csvs else "no CSV file"
        raise FileNotFoundError(f"{root} holds {found}: a folder of your own images needs exactly one CSV whose first "
                                f"column names the image files and whose other columns are 0/1 attributes.")
    for folder in (root, *sorted(p for p in root.iterdir() if p.is_dir())):
        if any(_is_image(entry) for entry in os.scandir(folder)):
            return ImageFolder(root, csvs[0], folder)
    raise FileNotFoundError(f"{root} has {csvs[0].name} but no JPEG or PNG images, neither in it nor in a subfolder.")


def _is_image(entry: os.DirEntry) -> bool:
    return entry.is_file() and entry.name.lower().endswith(IMAGE_SUFFIXES)


def load(root) -> tuple[pd.DataFrame, pd.Series]:
    """(0/1 int8 attributes indexed by file name in the CSV's order, the split of each image) of
    the folder data set at ``root`` (a path, or the ``ImageFolder`` that ``find`` returned)."""
    folder = root if isinstance(root, ImageFolder) else find(root)
    table = pd.read_csv(folder.labels_file, dtype=str, keep_default_na=False, skipinitialspace=True)
    if table.shape[1] < 2:
        raise FolderFormatError(f"{folder.labels_file} has {table.shape[1]} column: it needs the file names and at "
                                f"least one attribute column.")
    names = table.iloc[:, 0].str.strip()
    _check_names(folder, names)
    columns = [c for c in table.columns[1:] if c.strip().lower() != PARTITION_COLUMN]
    if not columns:
        raise FolderFormatError(f"{folder.labels_file} has no attribute column besides {PARTITION_COLUMN!r}.")
    labels = pd.DataFrame({c.strip(): _binary(folder, table, c) for c in columns}).set_index(pd.Index(names))
    partition_columns = [c for c in table.columns[1:] if c.strip().lower() == PARTITION_COLUMN]
    split = (_splits(folder, table, partition_columns[0]) if partition_columns else _seeded_split(len(names)))
    return labels, pd.Series(pd.Categorical(split, categories=SPLITS), index=labels.index, name=PARTITION_COLUMN)


def _line(row: int) -> int:
    return row + 2  # the header is line 1


def _check_names(folder: ImageFolder, names: pd.Series) -> None:
    empty = np.flatnonzero((names == "").to_numpy())
    if len(empty):
        raise FolderFormatError(f"{folder.labels_file}, line {_line(empty[0])}: no file name in the first column.")
    repeated = np.flatnonzero(names.duplicated().to_numpy())
    if len(repeated):
        raise FolderFormatError(f"{folder.labels_file}, line {_line(repeated[0])}: {names.iloc[repeated[0]]} is "
                                f"listed twice.")
    on_disk = {entry.name for entry in os.scandir(folder.images_dir)}
    missing = [name for name in names if name not in on_disk]
    if missing:
        shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
        raise FileNotFoundError(f"{len(missing):,} image(s) listed in {folder.labels_file.name} are not in "
                                f"{folder.images_dir} ({shown}): add them, or remove their lines.")


def _binary(folder: ImageFolder, table: pd.DataFrame, column: str) -> np.ndarray:
    values = table[column].str.strip().str.lower()
    bad = np.flatnonzero(~values.isin(_TRUE | _FALSE).to_numpy())
    if len(bad):
        raise FolderFormatError(f"{folder.labels_file}, line {_line(bad[0])}: {column.strip()}="
                                f"{table[column].iloc[bad[0]]!r} is not a yes/no value; write 0/1, -1/1 or true/false.")
    return values.isin(_TRUE).to_numpy().astype(np.int8)


def _splits(folder: ImageFolder, table: pd.DataFrame, column: str) -> list[str]:
    values = table[column].str.strip().str.lower()
    bad = np.flatnonzero(~values.isin(_SPLIT_NAMES).to_numpy())
    if len(bad):
        raise FolderFormatError(f"{folder.labels_file}, line {_line(bad[0])}: {column}={table[column].iloc[bad[0]]!r}"
                                f" is not a split; write train/valid/test or 0/1/2.")
    return [_SPLIT_NAMES[v] for v in values]


def _seeded_split(n: int) -> np.ndarray:
    """80 % train, 10 % valid, 10 % test, drawn once with a fixed seed."""
    counts = np.floor(np.array(SPLIT_SHARES) * n).astype(int)
    counts[0] += n - counts.sum()
    split = np.repeat(np.array(SPLITS), counts)
    return split[np.random.default_rng(SPLIT_SEED).permutation(n)]


def attributes(root) -> tuple[str, ...]:
    """The attribute names of the folder data set at ``root``, in the CSV's order."""
    return tuple(load(root)[0].columns)
