"""CelebA's annotation files: parse the attribute and partition lists exactly, check attribute names.

The official text formats are written here too, so the synthetic data set (the synthetic package) and the test
fixtures use one writer.
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from .layout import Layout, as_layout

ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
    "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young"
).split()
PARTITIONS = ("train", "valid", "test")  # codes 0, 1, 2 in list_eval_partition
IMAGE_ID = "image_id"


class CelebAFormatError(ValueError):
    """A CelebA file is not in the expected format; the message names the file, line and problem."""


def load_attributes(root: str | os.PathLike | Layout) -> pd.DataFrame:
    """The 40 attributes as 0/1 int8 columns (in ATTRIBUTES order), indexed by ``image_id`` (``000001.jpg``)."""
    path = as_layout(root).attributes_file
    table = _read_table(path, ATTRIBUTES, allowed=("-1", "1"), counted=True)
    return (table > 0).astype(np.int8)


def load_partition(root: str | os.PathLike | Layout) -> pd.Series:
    """``train``/``valid``/``test`` (a Categorical in that order) per ``image_id``."""
    path = as_layout(root).partition_file
    codes = _read_table(path, ["partition"], allowed=("0", "1", "2"), counted=False)["partition"]
    return pd.Series(pd.Categorical.from_codes(codes.to_numpy(), PARTITIONS), index=codes.index, name="partition")


def _read_table(path: Path, columns: list[str], allowed: tuple[str, ...], counted: bool) -> pd.DataFrame:
    """Rows of an image name and integer ``columns``, ``.txt`` (space separated) or ``.csv``.

    A vectorised parse reads the file; only when its result looks wrong is the file scanned line by
    line to say exactly where and what (see :func:`_explain`).
    """
    csv = path.suffix.lower() == ".csv"
    count, skiprows = _check_header(path, columns, csv, counted)
    sep = "," if csv else r"\s+"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # too many values on the first row warns; caught below instead
            table = pd.read_csv(
                path, sep=sep, header=None, skiprows=skiprows, names=[IMAGE_ID, *columns, "_extra"],
                index_col=False, dtype={IMAGE_ID: str, "_extra": str, **dict.fromkeys(columns, "int8")},
                na_filter=False, engine="c",  # no NA detection: missing fields fail the int8 conversion
            )
    except ValueError as error:  # pandas' ParserError is a ValueError too
        _explain(path, columns, allowed, skiprows, csv, error)
    values = table[list(columns)].to_numpy()
    if (
        (table["_extra"] != "").any()
        or (table[IMAGE_ID] == "").any()
        or table[IMAGE_ID].duplicated().any()
        or not np.isin(values, [int(a) for a in allowed], kind="table").all()
    ):
        _explain(path, columns, allowed, skiprows, csv, None)
    if count is not None and count != len(table):
        raise _format_error(path, 1, f"says {count} images but {len(table)} are listed; is the file complete?")
    return table.drop(columns="_extra").set_index(IMAGE_ID)


def _check_header(path: Path, columns: list[str], csv: bool, counted: bool) -> tuple[int | None, int]:
    """Check the lines before the data; return (the count on line 1 or None, number of header lines).

    ``.csv``: one line ``image_id,<columns>``. ``counted`` ``.txt`` (list_attr_celeba.txt): the image
    count, then the column names separated by spaces. Other ``.txt`` (list_eval_partition.txt): none.
    """
    if not csv and not counted:
        return None, 0
    with open(path, encoding="utf-8-sig") as file:
        first, second = file.readline().strip(), file.readline()
    if csv:
        _check_names(path, 1, [name.strip() for name in first.split(",")], [IMAGE_ID, *columns])
        return None, 1
    if not first.isdigit():
        raise _format_error(path, 1, f"should be the number of images (e.g. 202599), found {first[:60]!r}")
    _check_names(path, 2, second.split(), list(columns))
    return int(first), 2


def _check_names(path: Path, line: int, found: list[str], expected: list[str]) -> None:
    if found == expected:
        return
    missing = [n for n in expected if n not in found]
    unexpected = [n for n in found if n not in expected]
    if missing or unexpected:
        problem = " and ".join([f"lacks {missing}"] * bool(missing) + [f"has unknown {unexpected}"] * bool(unexpected))
    elif len(found) != len(expected):
        problem = f"has {len(found)} names, some of them repeated"
    else:
        at = next(i for i, (f, e) in enumerate(zip(found, expected)) if f != e)
        problem = f"has the names in another order (column {at + 1} is {found[at]!r}, expected {expected[at]!r})"
    names = " ".join(expected) if len(expected) <= 3 else f"{expected[0]} {expected[1]} … {expected[-1]}"
    raise _format_error(path, line, f"should name the {len(expected)} columns {names}; it {problem}")


def _explain(
    path: Path, columns: list[str], allowed: tuple[str, ...], skiprows: int, csv: bool, cause: Exception | None
) -> NoReturn:
    """Find the first bad data line by a slow line-by-line scan and raise a precise error for it."""
    first_seen: dict[str, int] = {}
    with open(path, encoding="utf-8-sig", errors="replace") as file:
        for number, line in enumerate(file, start=1):
            if number <= skiprows or not line.strip():
                continue
            name, *values = [f.strip() for f in line.split(",")] if csv else line.split()
            if not name:
                raise _format_error(path, number, "has no image name in its first field")
            if len(values) != len(columns):
                raise _format_error(path, number, f"{name} has {len(values)} values, expected {len(columns)}")
            for column, value in zip(columns, values):
                if value not in allowed:
                    raise _format_error(path, number, f"{name} has {column}={value!r}, expected {' or '.join(allowed)}")
            if name in first_seen:
                raise _format_error(path, number, f"{name} is listed twice (also on line {first_seen[name]})")
            first_seen[name] = number
    raise CelebAFormatError(f"{path} could not be read as a CelebA file: {cause}")


def _format_error(path: Path, line: int, problem: str) -> CelebAFormatError:
    return CelebAFormatError(
        f"{path}, line {line}: {problem}. The file is damaged or not CelebA's; "
        "compare it with a fresh download (data/README.md)."
    )


def check_attribute_names(names: str | Iterable[str]) -> list[str]:
    """``names`` as a list, after checking each is a CelebA attribute spelled exactly, listed once."""
    names = [names] if isinstance(names, str) else list(names)
    unknown = [name for name in names if name not in ATTRIBUTES]
    if unknown:
        raise ValueError(" ".join(map(_unknown_attribute, unknown)) + " Valid: " + ", ".join(ATTRIBUTES))
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"attribute(s) {repeated} listed more than once")
    return names


def _unknown_attribute(name: object) -> str:
    """Suggest attributes having ``name`` as a word (hat: Wearing_Hat), else the closest spelling."""
    lowered = {a.lower(): a for a in ATTRIBUTES}
    word = str(name).lower()
    close = [a for a in ATTRIBUTES if word in a.lower().split("_")]
    close = close or [lowered[m] for m in difflib.get_close_matches(word, lowered, n=1, cutoff=0.6)]
    hint = f"; did you mean {' or '.join(map(repr, close[:3]))}?" if close else "."
    return f"{name!r} is not a CelebA attribute{hint}"


def write_attributes_txt(path: Path, attributes: pd.DataFrame) -> None:
    """Write ``list_attr_celeba.txt`` exactly as the official file: count line, header with a
    trailing space, then ``name`` and 40 values of -1/1 right-aligned to width 2."""
    values = attributes[list(ATTRIBUTES)].to_numpy()
    if not np.isin(values, (0, 1)).all():
        raise ValueError("attributes must be 0/1 (they are written as -1/1)")
    # Each value is 3 characters (a separating space and the width-2 number); view each row as one string.
    cells = np.array([b" -1", b"  1"])[values.astype(np.intp)]
    rows = np.ascontiguousarray(cells).view(f"S{3 * len(ATTRIBUTES)}").ravel()
    lines = [str(len(attributes)), " ".join(ATTRIBUTES) + " "]
    lines += [f"{name}{row.decode()}" for name, row in zip(attributes.index, rows)]
    Path(path).write_text("\n".join(lines) + "\n", newline="\n")


def write_partition_txt(path: Path, partition: pd.Series) -> None:
    """Write ``list_eval_partition.txt``: ``000001.jpg 0`` per line (0 train, 1 valid, 2 test)."""
    codes = pd.Categorical(partition, categories=PARTITIONS).codes
    if (codes < 0).any():
        raise ValueError(f"partition values must be among {PARTITIONS}")
    lines = (f"{name} {code}\n" for name, code in zip(partition.index, codes))
    Path(path).write_text("".join(lines), newline="\n")
