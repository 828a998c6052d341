"""Check a CelebA copy: official MD5s, images listed but missing (or on disk but unlisted), and, when
asked, every image decoded."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..messages import first_few
from .annotations import load_attributes, load_partition
from .images import damaged_images
from .layout import Layout, as_layout

OFFICIAL_MD5 = {
    "img_align_celeba.zip": "00d2c5bc6d35e252742224ab0c1e8fcb",
    "list_attr_celeba.txt": "75e246fa4810816ffd6ee81facbd244c",
    "list_eval_partition.txt": "d32c9cbf5e040fd4025c592c306e6668",
    "identity_CelebA.txt": "32bd1bd63d3c78cd57e08160ec5ed1e2",
    "list_bbox_celeba.txt": "00566efa6fedff7a56946cd1c10f1c16",
    "list_landmarks_align_celeba.txt": "cc24ecafdb5b50baae59b03474781f8c",
}


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
    damaged: tuple[tuple[str, str], ...] | None = None  # (name, problem) of images that fail; None: not checked

    @property
    def ok(self) -> bool:
        problems = self.missing, self.extra, self.only_in_attributes, self.only_in_partition, self.damaged
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
        lines += [f"  {label}: {len(names):,} ({first_few(names)})" for label, names in named if names]
        if not (self.only_in_attributes or self.only_in_partition):
            lines.append("  the attribute and partition files list the same images")
        if self.damaged is None:
            lines.append("  images not decoded (check_images=True decodes every one)")
        elif self.damaged:
            lines.append(f"  damaged images: {len(self.damaged):,}")
            lines += [f"    {name}: {problem}" for name, problem in self.damaged]
        else:
            lines.append("  every listed image on disk decodes as a 178×218 JPEG")
        lines.append("All checks passed." if self.ok else "PROBLEMS FOUND (see above).")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how IPython/Jupyter shows it
        printer.text(str(self))


def verify(root: str | os.PathLike | Layout, check_md5: bool = True, check_images: bool = False,
           progress: bool = True) -> VerifyReport:
    """Check a CelebA copy and report on it.

    Compares the MD5 of each official file present with the published one (reading the 1.4 GB zip takes
    a few seconds), the images on disk with those listed, and the attribute with the partition file.
    ``check_images``: also decode every listed image on disk, in parallel, and list each one that
    is not a complete 178×218 JPEG (about a minute for CelebA's 202,599 on two cores).
    """
    layout = as_layout(root)
    listed = load_attributes(layout).index
    in_partition = load_partition(layout).index
    with os.scandir(layout.images_dir) as entries:
        on_disk = {e.name for e in entries if e.name.lower().endswith(".jpg")}
    files = tuple(
        FileCheck(path, OFFICIAL_MD5.get(path.name), _md5(path) if check_md5 and path.name in OFFICIAL_MD5 else None)
        for path in _annotation_files(layout)
    )
    damaged = None
    if check_images:
        present = [layout.images_dir / name for name in listed if name in on_disk]
        damaged = tuple((Path(path).name, problem) for path, problem in damaged_images(present, progress))
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
        damaged=damaged,
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
