"""Where CelebA lies: its on-disk layouts, finding one of them, and what to say when none is found."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..messages import first_few

IMAGE_WIDTH, IMAGE_HEIGHT = 178, 218
_GET_IT = (
    'To get CelebA: vae_tutorial.celeba.download("{root}") (needs `pip install kagglehub`), '
    "or by hand as data/README.md explains."
)


class CelebANotFoundError(FileNotFoundError):
    """No CelebA layout in the given folder; the message says what was looked for and how to get it."""


@dataclass(frozen=True)
class Layout:
    """Where a data set keeps its images and annotation files: a copy of CelebA, or (kind "folder")
    a folder of your own images whose one CSV holds the attributes and any split."""

    root: Path  # the folder holding the layout (may be one below the folder the user gave)
    images_dir: Path
    attributes_file: Path
    partition_file: Path | None  # None: the split is in the attributes file, or drawn (your own images)
    kind: str  # CelebA's "official", "torchvision" or "kaggle" layout, or "folder"


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
    return as_layout(root).images_dir


def as_layout(root: str | os.PathLike | Layout) -> Layout:
    """``root`` itself if it is a :class:`Layout`, else :func:`find` of it."""
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
        shown = first_few([f.name for f in folders[1:]], 6)
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
