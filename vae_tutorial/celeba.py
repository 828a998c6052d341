"""CelebA's files: find them in any usual layout, parse them exactly, check them, download them.

Knows nothing about models. The official text formats are written here too, so the synthetic
data set (synthetic.py) and the test fixtures use one writer.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
    "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young"
).split()
PARTITIONS = ("train", "valid", "test")  # codes 0, 1, 2 in list_eval_partition
IMAGE_WIDTH, IMAGE_HEIGHT = 178, 218
IMAGE_ID = "image_id"
KAGGLE_HANDLE = "jessicali9530/celeba-dataset"
OFFICIAL_MD5 = {
    "img_align_celeba.zip": "00d2c5bc6d35e252742224ab0c1e8fcb",
    "list_attr_celeba.txt": "75e246fa4810816ffd6ee81facbd244c",
    "list_eval_partition.txt": "d32c9cbf5e040fd4025c592c306e6668",
    "identity_CelebA.txt": "32bd1bd63d3c78cd57e08160ec5ed1e2",
    "list_bbox_celeba.txt": "00566efa6fedff7a56946cd1c10f1c16",
    "list_landmarks_align_celeba.txt": "cc24ecafdb5b50baae59b03474781f8c",
}
_GET_IT = (
    'To get CelebA: vae_tutorial.celeba.download("{root}") (needs `pip install kagglehub`), '
    "or by hand as data/README.md explains."
)


class CelebANotFoundError(FileNotFoundError):
    """No CelebA layout in the given folder; the message says what was looked for and how to get it."""


class CelebAFormatError(ValueError):
    """A CelebA file is not in the expected format; the message names the file, line and problem."""


class CelebADownloadError(RuntimeError):
    """kagglehub could not download CelebA (offline, Kaggle unreachable, ...)."""


@dataclass(frozen=True)
class Layout:
    """Where one copy of CelebA keeps its images and annotation files."""

    root: Path  # the folder holding the layout (may be one below the folder the user gave)
    images_dir: Path
    attributes_file: Path
    partition_file: Path
    kind: str  # "official", "torchvision" or "kaggle"


@dataclass(frozen=True)
class _Candidate:
    """One known layout, as paths relative to its root."""

    kind: str
    images: str
    attributes: str
    partition: str

    def parts(self, folder: Path) -> tuple[Path, Path, Path]:
        return folder / self.images, folder / self.attributes, folder / self.partition

    def present(self, folder: Path) -> tuple[bool, bool, bool]:
        images, attributes, partition = self.parts(folder)
        return images.is_dir(), attributes.is_file(), partition.is_file()


_CANDIDATES = (
    _Candidate("official", "Img/img_align_celeba", "Anno/list_attr_celeba.txt", "Eval/list_eval_partition.txt"),
    _Candidate("torchvision", "img_align_celeba", "list_attr_celeba.txt", "list_eval_partition.txt"),
    _Candidate("kaggle", "img_align_celeba/img_align_celeba", "list_attr_celeba.csv", "list_eval_partition.csv"),
)


def find(root: str | os.PathLike) -> Layout:
    """Find CelebA in ``root`` or one of its sub-folders, in any layout of data/README.md."""
    root = Path(root).expanduser()
    folders = [root, *_subfolders(root)] if root.is_dir() else []
    for folder in folders:
        for candidate in _CANDIDATES:
            if all(candidate.present(folder)):
                return Layout(folder, *candidate.parts(folder), kind=candidate.kind)
    raise CelebANotFoundError(_not_found_message(root, folders))


def is_present(root: str | os.PathLike) -> bool:
    """Whether :func:`find` would succeed; never raises for a missing folder."""
    try:
        find(root)
    except CelebANotFoundError:
        return False
    return True


def images_dir(root: str | os.PathLike | Layout) -> Path:
    """The folder of the ``000001.jpg`` … files."""
    return _layout(root).images_dir


def _layout(root: str | os.PathLike | Layout) -> Layout:
    return root if isinstance(root, Layout) else find(root)


def _subfolders(root: Path) -> list[Path]:
    try:
        with os.scandir(root) as entries:
            return sorted(Path(e.path) for e in entries if e.is_dir() and not e.name.startswith("."))
    except OSError:
        return []


def _not_found_message(root: Path, folders: list[Path]) -> str:
    if not folders:
        where = f"The CelebA folder {root} does not exist." if not root.exists() else f"{root} is not a folder."
        lines = [where, "It should hold one of these layouts (or hold it one folder deeper):"]
    else:
        subs = [f.name for f in folders[1:]]
        shown = ", ".join(subs[:6]) + (", …" if len(subs) > 6 else "")
        lines = [
            f"No CelebA found in {root}.",
            f"Looked in it and in its sub-folders ({shown or 'it has none'}) for one of these layouts:",
        ]
    lines += [f"  {c.kind:<12} {c.images}/*.jpg, {c.attributes}, {c.partition}" for c in _CANDIDATES]
    lines += _closest_match(folders)
    lines.append(_GET_IT.format(root=root.as_posix()))
    return "\n".join(lines)


def _closest_match(folders: list[Path]) -> list[str]:
    """A line on the most complete partial layout, if any: what is there and what is missing."""
    scored = [(sum(c.present(f)), f, c) for f in folders for c in _CANDIDATES]
    score, folder, candidate = max(scored, key=lambda s: s[0], default=(0, None, None))
    if not score:
        return []
    named = zip((candidate.images + "/", candidate.attributes, candidate.partition), candidate.present(folder))
    missing = [name for name, present in named if not present]
    line = f"Closest: {folder} has part of the {candidate.kind} layout but lacks {', '.join(missing)}."
    archive = folder / (candidate.images + ".zip")
    if archive.is_file():
        line += f" {archive.name} is there: unzip it in place."
    return [line]


# --- parsing ---------------------------------------------------------------------------------


def load_attributes(root: str | os.PathLike | Layout) -> pd.DataFrame:
    """The 40 attributes as 0/1 int8 columns (in ATTRIBUTES order), indexed by ``image_id`` (``000001.jpg``)."""
    path = _layout(root).attributes_file
    table = _read_table(path, ATTRIBUTES, allowed=("-1", "1"), counted=True)
    return (table > 0).astype(np.int8)


def load_partition(root: str | os.PathLike | Layout) -> pd.Series:
    """``train``/``valid``/``test`` (a Categorical in that order) per ``image_id``."""
    path = _layout(root).partition_file
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


def _unknown_attribute(name) -> str:
    """Suggest attributes having ``name`` as a word (hat: Wearing_Hat), else the closest spelling."""
    lowered = {a.lower(): a for a in ATTRIBUTES}
    word = str(name).lower()
    close = [a for a in ATTRIBUTES if word in a.lower().split("_")]
    close = close or [lowered[m] for m in difflib.get_close_matches(word, lowered, n=1, cutoff=0.6)]
    hint = f"; did you mean {' or '.join(map(repr, close[:3]))}?" if close else "."
    return f"{name!r} is not a CelebA attribute{hint}"


# --- checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    """One file's MD5 against the official one (``expected`` None: no reference; ``md5`` None: not computed)."""

    path: Path
    expected: str | None
    md5: str | None

    @property
    def ok(self) -> bool:
        return None in (self.expected, self.md5) or self.md5 == self.expected

    def __str__(self) -> str:
        if self.expected is None:
            status = "no reference checksum"
        elif self.md5 is None:
            status = "MD5 not checked"
        elif self.ok:
            status = "MD5 ok"
        else:
            status = f"MD5 MISMATCH: expected {self.expected}, got {self.md5}"
        return f"{self.path.name:<34}{status}"


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify` found; ``print()`` it, or test ``ok``."""

    layout: Layout
    files: tuple[FileCheck, ...]
    listed: int  # images in the attribute file
    on_disk: int  # .jpg files in the images folder
    missing: tuple[str, ...]  # listed but not on disk
    extra: tuple[str, ...]  # on disk but not listed
    only_in_attributes: tuple[str, ...]
    only_in_partition: tuple[str, ...]

    @property
    def ok(self) -> bool:
        problems = self.missing, self.extra, self.only_in_attributes, self.only_in_partition
        return all(f.ok for f in self.files) and not any(problems)

    def __str__(self) -> str:
        lines = [f"CelebA ({self.layout.kind} layout) in {self.layout.root}"]
        lines += [f"  {check}" for check in self.files]
        lines.append(f"  images: {self.listed:,} listed, {self.on_disk:,} .jpg files in {self.layout.images_dir}")
        named = [
            ("missing (listed, not on disk)", self.missing),
            ("extra (on disk, not listed)", self.extra),
            (f"only in {self.layout.attributes_file.name}", self.only_in_attributes),
            (f"only in {self.layout.partition_file.name}", self.only_in_partition),
        ]
        lines += [f"  {label}: {len(names):,} ({_first(names)})" for label, names in named if names]
        if not (self.only_in_attributes or self.only_in_partition):
            lines.append("  the attribute and partition files list the same images")
        lines.append("All checks passed." if self.ok else "PROBLEMS FOUND (see above).")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:  # how IPython/Jupyter shows it
        printer.text(str(self))


def _first(names: tuple[str, ...], k: int = 5) -> str:
    return ", ".join(names[:k]) + (", …" if len(names) > k else "")


def verify(root: str | os.PathLike | Layout, check_md5: bool = True) -> VerifyReport:
    """Check a CelebA copy and report on it.

    Compares the MD5 of each official file present with the published one (reading the 1.4 GB zip takes
    a few seconds), the images on disk with those listed, and the attribute with the partition file.
    """
    layout = _layout(root)
    listed = load_attributes(layout).index
    in_partition = load_partition(layout).index
    with os.scandir(layout.images_dir) as entries:
        on_disk = {e.name for e in entries if e.name.lower().endswith(".jpg")}
    files = tuple(
        FileCheck(path, OFFICIAL_MD5.get(path.name), _md5(path) if check_md5 and path.name in OFFICIAL_MD5 else None)
        for path in _annotation_files(layout)
    )
    listed, in_partition = set(listed), set(in_partition)
    return VerifyReport(
        layout=layout,
        files=files,
        listed=len(listed),
        on_disk=len(on_disk),
        missing=tuple(sorted(listed - on_disk)),
        extra=tuple(sorted(on_disk - listed)),
        only_in_attributes=tuple(sorted(listed - in_partition)),
        only_in_partition=tuple(sorted(in_partition - listed)),
    )


def _annotation_files(layout: Layout) -> list[Path]:
    """The layout's attribute and partition files, plus the other official files found beside them."""
    beside = layout.attributes_file.parent
    names = ("identity_CelebA.txt", "list_bbox_celeba.txt", "list_landmarks_align_celeba.txt")
    others = [beside / name for name in names]
    others.append(layout.images_dir.parent / "img_align_celeba.zip")
    return [layout.attributes_file, layout.partition_file, *(path for path in others if path.is_file())]


def _md5(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as file:
        while block := file.read(chunk):
            digest.update(block)
    return digest.hexdigest()


# --- getting it --------------------------------------------------------------------------------


def download(dest: str | os.PathLike | None = None) -> Path:
    """Download CelebA (~1.4 GB, Kaggle's ``jessicali9530/celeba-dataset``) with kagglehub; return its root.

    kagglehub keeps data sets in its own cache (``~/.cache/kagglehub`` or ``$KAGGLEHUB_CACHE``; on Kaggle
    and Colab it may serve its own mounted copy instead) and returns that path. With ``dest``, a symlink
    ``dest/celeba-dataset`` to it makes CelebA reachable from ``dest`` without a second 1.4 GB copy, wherever
    kagglehub chose to put it, and a later call returns at once without the network when ``dest`` already
    holds CelebA. Where no symlink can be made (Windows without developer mode) a warning names the path.
    """
    if dest is not None and is_present(dest):
        return find(dest).root
    try:
        import kagglehub
    except ImportError:
        raise ImportError(
            "download() needs kagglehub: pip install kagglehub (or pip install 'vae_tutorial[celeba]'). "
            "Or download CelebA by hand as data/README.md explains."
        ) from None
    try:
        path = kagglehub.dataset_download(KAGGLE_HANDLE)
    except Exception as error:
        raise CelebADownloadError(
            f"Could not download {KAGGLE_HANDLE} from Kaggle ({type(error).__name__}: {error}). "
            "Is this machine offline or is Kaggle unreachable? Download CelebA where there is a network and copy it "
            "here, or get it by hand as data/README.md explains."
        ) from error
    root = find(path).root
    return root if dest is None else _link(Path(dest).expanduser(), root)


def _link(dest: Path, target: Path) -> Path:
    """Make ``dest/celeba-dataset`` point to ``target``; return the root find(dest) sees through it."""
    link = dest / "celeba-dataset"
    try:
        dest.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            link.unlink()
        link.symlink_to(target.resolve(), target_is_directory=True)
    except OSError as error:
        warnings.warn(f"CelebA is in {target}, but {link} could not link to it ({error}); use {target}.", stacklevel=3)
        return target
    return find(dest).root


# --- writing the official text formats ----------------------------------------------------------


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
