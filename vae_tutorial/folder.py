"""Your own images: a folder of pictures and one CSV of yes/no attributes, in place of CelebA.

    my_faces/
        labels.csv          file,smiling,hat[,partition]   (any attribute names)
        img_0001.png ...    JPEG or PNG, any size, here or in one subfolder

The CSV's first column names the image files; every other column is a binary attribute written
as 0/1, -1/1 or true/false (yes/no too); an optional ``partition`` column says train/valid/test
(or 0/1/2). Without one, a seeded 80/10/10 split is drawn (from 10 images on). Images are read as
a viewer shows them (``upright_rgb``), centre-cropped to a square and resized; CelebA's face window
does not apply. How the CSV is read (encodings, separators, quoting) is in ``labels.py``. Errors
name the file, the line and the fix; ``folder_verify`` reports on a whole folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from . import celeba, labels
from .celeba.images import named
from .labels import IMAGE_SUFFIXES, FolderFormatError, nfc
from .messages import first_few

PARTITION_COLUMN = "partition"
SPLITS = ("train", "valid", "test")
SPLIT_SHARES = (0.8, 0.1, 0.1)  # without a partition column
SPLIT_SEED = 0  # the same split for every run on the same folder
MIN_SEEDED_SPLIT = 10  # the fewest images whose 80/10/10 split leaves no split empty
RARE_SHARE, RARE_COUNT = 0.02, 3  # an attribute value this rare is too few to learn or to judge
_TRUE, _FALSE = {"1", "1.0", "true", "yes"}, {"0", "0.0", "-1", "-1.0", "false", "no"}
_SPLIT_NAMES = {"train": "train", "0": "train", "valid": "valid", "validation": "valid", "val": "valid", "1": "valid",
                "test": "test", "2": "test"}
_SIXTEEN_BIT = ("I", "I;16", "I;16B", "I;16L", "I;16N")
_ALPHA = ("RGBA", "RGBa", "LA", "La", "PA")


@dataclass(frozen=True)
class Contents:
    """What a folder's CSV says, matched with the files on disk."""

    folder: celeba.Layout
    labels: pd.DataFrame  # 0/1 int8 attributes indexed by each image's name on disk, in the CSV's order
    split: pd.Series  # train/valid/test of each image
    partition_column: str | None  # the CSV's column that gave the split; None: drawn
    missing: tuple[str, ...]  # names the CSV lists that are not files in the images folder
    unlisted: tuple[str, ...]  # images in the images folder that the CSV does not list


def is_present(root) -> bool:
    """Whether ``root`` is a folder with one CSV and image files (in it or in one subfolder)."""
    try:
        find(root)
    except FileNotFoundError:
        return False
    return True


def find(root) -> celeba.Layout:
    """Where the folder data set at ``root`` keeps its CSV (``attributes_file``) and images (kind
    "folder"); raises FileNotFoundError saying what is missing. The images
    are in ``root`` or the subfolder that holds most of the CSV's names (then most images): a stray
    picture at the top, such as a cover, does not hide them."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder.")
    csvs = sorted(root.glob("*.csv"))
    if len(csvs) != 1:
        found = f"{len(csvs)} CSV files ({', '.join(p.name for p in csvs)})" if csvs else "no CSV file"
        raise FileNotFoundError(f"{root} holds {found}: a folder of your own images needs exactly one CSV whose first "
                                f"column names the image files and whose other columns are 0/1 attributes.")
    subfolders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    candidates = [(folder, _files(folder)) for folder in (root, *subfolders)]
    candidates = [(folder, files) for folder, files in candidates if any(map(_is_image, files.values()))]
    if not candidates:
        raise FileNotFoundError(f"{root} has {csvs[0].name} but no JPEG or PNG images, neither in it nor in a "
                                f"subfolder.")
    try:
        listed = {nfc(row[0]) for row in labels.read(csvs[0], _known(candidates)).rows}
    except FolderFormatError:  # load() and verify() say what is wrong with it
        listed = set()
    best = max(candidates, key=lambda candidate: (len(listed & candidate[1].keys()),
                                                  sum(map(_is_image, candidate[1].values()))))
    return celeba.Layout(root, best[0], csvs[0], None, kind="folder")


def _files(folder: Path) -> dict[str, str]:
    """The files in ``folder``: NFC name → name on disk."""
    with os.scandir(folder) as entries:
        return {nfc(entry.name): entry.name for entry in entries if entry.is_file()}


def _known(candidates) -> frozenset[str]:
    return frozenset(name for _, files in candidates for name in files)


def _is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_SUFFIXES)


def read(root) -> Contents:
    """What the CSV of the folder data set at ``root`` (a path, or the ``Layout`` that ``find``
    returned) says, matched with the files on disk; raises FolderFormatError for a CSV that cannot be
    read as meant, and leaves missing images to the caller (``load`` refuses them, ``verify`` lists them)."""
    folder = root if isinstance(root, celeba.Layout) else find(root)
    on_disk = _files(folder.images_dir)
    table = labels.read(folder.attributes_file, frozenset(on_disk))
    path, header = folder.attributes_file, table.header
    if len(header) < 2:
        raise FolderFormatError(f"{path}, line 1: names {len(header)} column: it needs the file names and at least "
                                f"one attribute column (file,smiling,…); if the values are separated by another "
                                f"character than a comma, semicolon or tab, save it again as CSV.")
    columns = pd.DataFrame(list(table.rows), columns=list(header), dtype=str)
    lines = np.array(table.lines)
    names = columns.iloc[:, 0]
    _check_names_column(path, columns)
    _check_names(path, names, lines)
    partition = [c for c in header[1:] if c.lower() == PARTITION_COLUMN]
    attributes = [c for c in header[1:] if c.lower() != PARTITION_COLUMN]
    if not attributes:
        raise FolderFormatError(f"{path}, line 1: no attribute column besides {partition[0]!r}: add at least one "
                                f"0/1 column.")
    files = [on_disk.get(nfc(name)) for name in names]
    index = pd.Index([file or name for file, name in zip(files, names)])
    frame = pd.DataFrame({c: _binary(path, columns[c], lines) for c in attributes}).set_index(index)
    if partition:
        split = _splits(path, columns[partition[0]], lines)
    else:
        split = _seeded_split(len(names)) if len(names) >= MIN_SEEDED_SPLIT else np.full(len(names), "train")
    listed = set(index)
    return Contents(
        folder=folder,
        labels=frame,
        split=pd.Series(pd.Categorical(split, categories=SPLITS), index=index, name=PARTITION_COLUMN),
        partition_column=partition[0] if partition else None,
        missing=tuple(name for name, file in zip(names, files) if file is None),
        unlisted=tuple(sorted(f for f in on_disk.values() if _is_image(f) and f not in listed)),
    )


def load(root) -> tuple[pd.DataFrame, pd.Series]:
    """(0/1 int8 attributes indexed by file name in the CSV's order, the split of each image) of
    the folder data set at ``root``; refuses a CSV that lists images the folder lacks."""
    contents = read(root)
    if contents.missing:
        folder = contents.folder
        raise FileNotFoundError(f"{len(contents.missing):,} image(s) listed in {folder.attributes_file} are not in "
                                f"{folder.images_dir} ({first_few(contents.missing)}): add them, or remove their lines "
                                f"(python -m vae_tutorial verify --data {folder.root} lists every one).")
    return contents.labels, contents.split


def attributes(root) -> tuple[str, ...]:
    """The attribute names of the folder data set at ``root``, in the CSV's order."""
    return tuple(read(root).labels.columns)


def _check_names_column(path: Path, columns: pd.DataFrame) -> None:
    """Refuses a CSV whose file names are in another column than the first."""
    named = [c for c in columns.columns[1:] if columns[c].str.lower().str.endswith(IMAGE_SUFFIXES).all()]
    if named and not columns.iloc[:, 0].str.lower().str.endswith(IMAGE_SUFFIXES).any():
        k = list(columns.columns).index(named[0])
        raise FolderFormatError(f"{path}, line 1: the file names are in column {k + 1} ({named[0]!r}), not in the "
                                f"first one ({columns.columns[0]!r}): move that column to the front.")


def _check_names(path: Path, names: pd.Series, lines: np.ndarray) -> None:
    empty = np.flatnonzero((names == "").to_numpy())
    if len(empty):
        raise FolderFormatError(f"{path}, line {lines[empty[0]]}: no file name in the first column: write the "
                                f"image's file name there, or delete the line.")
    normalised = names.map(nfc)
    repeated = np.flatnonzero(normalised.duplicated().to_numpy())
    if len(repeated):
        first = lines[np.flatnonzero((normalised == normalised.iloc[repeated[0]]).to_numpy())[0]]
        raise FolderFormatError(f"{path}, line {lines[repeated[0]]}: {names.iloc[repeated[0]]} is listed twice (also "
                                f"on line {first}): keep one of the two lines.")


def _binary(path: Path, values: pd.Series, lines: np.ndarray) -> np.ndarray:
    lower = values.str.lower()
    bad = np.flatnonzero(~lower.isin(_TRUE | _FALSE).to_numpy())
    if len(bad):
        hint = (f"; if it is the split, name the column {PARTITION_COLUMN!r}" if lower.isin(_SPLIT_NAMES).all()
                else "")
        more = f" ({len(bad) - 1:,} more lines like it)" if len(bad) > 1 else ""
        raise FolderFormatError(f"{path}, line {lines[bad[0]]}: {values.name}={values.iloc[bad[0]]!r} is not a "
                                f"yes/no value{more}; write 0/1, -1/1 or true/false{hint}.")
    return lower.isin(_TRUE).to_numpy().astype(np.int8)


def _splits(path: Path, values: pd.Series, lines: np.ndarray) -> list[str]:
    lower = values.str.lower()
    bad = np.flatnonzero(~lower.isin(_SPLIT_NAMES).to_numpy())
    if len(bad):
        raise FolderFormatError(f"{path}, line {lines[bad[0]]}: {values.name}={values.iloc[bad[0]]!r} is not a split; "
                                f"write train/valid/test or 0/1/2.")
    return [_SPLIT_NAMES[v] for v in lower]


def _seeded_split(n: int) -> np.ndarray:
    """80 % train, 10 % valid, 10 % test, drawn once with a fixed seed."""
    counts = np.floor(np.array(SPLIT_SHARES) * n).astype(int)
    counts[0] += n - counts.sum()
    split = np.repeat(np.array(SPLITS), counts)
    return split[np.random.default_rng(SPLIT_SEED).permutation(n)]


def empty_split_message(root, split: str) -> str:
    """Why the ``split`` of the folder data set at ``root`` holds no images, and what to do."""
    contents = read(root)
    path, n = contents.folder.attributes_file, len(contents.labels)
    if contents.partition_column is None:
        return (f"{path}: {n} image(s): too few for an automatic 80/10/10 split (at least {MIN_SEEDED_SPLIT} give "
                f"every split an image); add a {PARTITION_COLUMN!r} column (train/valid/test) or more images.")
    return (f"{path}: its {contents.partition_column!r} column puts no image in the {split!r} split: mark some "
            f"lines {split} ({', '.join(SPLITS)} or 0/1/2).")


def attribute_warnings(root, names=None) -> list[str]:
    """One line for each attribute (all when ``names`` is None) that is constant or nearly so: the
    model cannot learn it, and the judge scores it well by always giving the common answer."""
    return [line for _, line in attribute_notes(read(root), names)]


def attribute_notes(contents: Contents, names=None) -> list[tuple[bool, str]]:
    """(constant, line) for each attribute that ``attribute_warnings`` warns about."""
    frame, path = contents.labels, contents.folder.attributes_file
    lines = []
    for name in frame.columns if names is None else [n for n in names if n in frame.columns]:
        n, ones = len(frame), int(frame[name].sum())
        common, rare = (1, n - ones) if ones > n - ones else (0, ones)
        fix = "or leave it out of the attributes (--attributes, or settings.load(attributes=[…]))"
        if rare == 0:
            lines.append((True, f"{path}: attribute {name!r} is {common} for all {n:,} images, so the model cannot "
                                f"learn it and the judge's accuracy for it (1.000) means nothing; label images of both "
                                f"kinds, {fix}."))
        elif rare < RARE_COUNT or rare < RARE_SHARE * n:
            lines.append((False, f"{path}: attribute {name!r} is {1 - common} for only {rare:,} of {n:,} images, too "
                                 f"few to learn it, and a judge that always answers {common} scores "
                                 f"{1 - rare / n:.3f}; label more images {1 - common}, {fix}."))
    return lines


# ---------------------------------------------------------------------------------------------
# Reading an image as a viewer shows it


def upright_size(image: Image.Image) -> tuple[int, int]:
    """(width, height) of ``image`` once its EXIF orientation is applied (phones store portraits sideways)."""
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    return image.size[::-1] if orientation in (5, 6, 7, 8) else image.size


def upright_rgb(image: Image.Image) -> Image.Image:
    """``image`` as a viewer shows it, in 8-bit RGB: turned by its EXIF orientation (in place), 16-bit
    and float gray scaled to 8 bits (not clipped to white), CMYK and palettes converted, transparency
    laid on white."""
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode in _SIXTEEN_BIT:
        image = Image.fromarray(np.round(np.asarray(image, np.float64) / 257).clip(0, 255).astype(np.uint8))
    elif image.mode == "F":
        gray = np.asarray(image, np.float64)
        image = Image.fromarray(np.round(gray * (255 if gray.max() <= 1 else 1)).clip(0, 255).astype(np.uint8))
    if image.mode in _ALPHA or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    return image.convert("RGB")


def image_problem(path) -> str | None:
    """What keeps one image from being read (``upright_rgb``), or None when it reads."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (image.size[0] // 8, image.size[1] // 8))  # all of the data, an eighth of the work
            upright_rgb(image)
    except FileNotFoundError:
        return "missing"
    except UnidentifiedImageError:
        return "not a picture (an empty or cut-short file, or another kind of file)"
    except (OSError, SyntaxError, ValueError) as error:
        return f"cannot be decoded ({error})"
    return None


def damaged_images(paths, progress: bool = True) -> list[tuple[str, str]]:
    """(path, problem) of every image among ``paths`` that ``image_problem`` rejects, in order."""
    return celeba.damaged_images(paths, progress, check=image_problem)


class DamagedImagesError(celeba.DamagedImagesError):
    """Images of your own folder that cannot be read; ``damaged`` lists them."""

    def __init__(self, damaged: list[tuple[str, str]], folder: celeba.Layout):
        super().__init__(damaged)
        self.args = (f"{len(damaged):,} damaged image(s) in {folder.images_dir}: {named(damaged)}. Replace them with "
                     f"good copies, or remove their lines from {folder.attributes_file.name}; python -m vae_tutorial "
                     f"verify --data {folder.root} --images lists them all.",)
