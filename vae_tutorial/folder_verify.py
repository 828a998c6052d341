"""A report on a whole folder of your own images: its CSV, missing and unlisted images, attributes
too constant to learn and (optionally) every image decoded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .celeba import Layout
from .folder import SPLITS, Contents, attribute_notes, damaged_images, empty_split_message, find, read
from .labels import FolderFormatError
from .messages import first_few


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify` found; ``print()`` it, or test ``ok``."""

    folder: Layout
    contents: Contents | None  # None: the CSV could not be read
    labels_problem: str | None  # why the CSV could not be read
    attributes: tuple[tuple[bool, str], ...]  # (constant, line) of constant or nearly constant attributes
    damaged: tuple[tuple[str, str], ...] | None = None  # (name, problem); None: not checked

    @property
    def ok(self) -> bool:
        constant = any(constant for constant, _ in self.attributes)
        return not (self.labels_problem or self.contents.missing or self.damaged or constant or self._split_problem)

    @property
    def _split_problem(self) -> str | None:
        contents = self.contents
        if contents is None:
            return None
        empty = [s for s in SPLITS if not (contents.split == s).any()]
        return empty_split_message(contents.folder, empty[0]) if empty else None

    def __str__(self) -> str:
        folder = self.folder
        lines = [f"Your own images: labels in {folder.attributes_file}, images in {folder.images_dir}"]
        if self.contents is None:
            lines.append(f"  {self.labels_problem}")
        else:
            lines += self._contents_lines()
        lines += [f"  {'PROBLEM' if constant else 'WARNING'}: {line}" for constant, line in self.attributes]
        if self.damaged is None:
            lines.append("  images not decoded (--images decodes every one)")
        elif self.damaged:
            lines.append(f"  damaged images: {len(self.damaged):,}; replace them, or remove their lines from "
                         f"{folder.attributes_file.name}")
            lines += [f"    {name}: {problem}" for name, problem in self.damaged]
        else:
            lines.append("  every listed image on disk can be read")
        lines.append("All checks passed." if self.ok else "PROBLEMS FOUND (see above).")
        return "\n".join(lines)

    def _contents_lines(self) -> list[str]:
        contents, name = self.contents, self.folder.attributes_file.name
        counts = contents.split.value_counts()
        source = (f"its {contents.partition_column!r} column" if contents.partition_column
                  else "a seeded 80/10/10 draw")
        lines = [f"  {name}: {len(contents.labels):,} images, {contents.labels.shape[1]} attribute(s) "
                 f"({', '.join(contents.labels.columns)}); split from {source}: "
                 + ", ".join(f"{counts[s]:,} {s}" for s in SPLITS)]
        if contents.missing:
            lines.append(f"  missing (listed, not on disk): {len(contents.missing):,} "
                         f"({first_few(contents.missing)}); add them, or remove their lines from {name}")
        if contents.unlisted:
            lines.append(f"  not listed (on disk, not in {name}; not used): {len(contents.unlisted):,} "
                         f"({first_few(contents.unlisted)}); add a line for each to use them")
        if self._split_problem:
            lines.append(f"  {self._split_problem}")
        return lines

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how IPython/Jupyter shows it
        printer.text(str(self))


def verify(root, check_images: bool = False, progress: bool = True) -> VerifyReport:
    """Check a folder of your own images: the CSV read as meant, images listed but missing and
    present but unlisted, constant or nearly constant attributes, and (``check_images``) every listed
    image on disk read, in parallel."""
    folder = root if isinstance(root, Layout) else find(root)
    try:
        contents = read(folder)
    except FolderFormatError as error:
        return VerifyReport(folder, None, str(error), ())
    damaged = None
    if check_images:
        present = [folder.images_dir / name for name in contents.labels.index if name not in contents.missing]
        damaged = tuple((Path(path).name, problem) for path, problem in damaged_images(present, progress))
    return VerifyReport(folder, contents, None, tuple(attribute_notes(contents)), damaged)
