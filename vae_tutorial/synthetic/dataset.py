"""The data set on disk: image ``index`` of the set made with ``seed``, and ``generate``, which writes ``n`` of
them in CelebA's flat layout with a manifest (to resume or redraw) and a README."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm.auto import tqdm

from .. import locking
from ..celeba import ATTRIBUTES, PARTITIONS, write_attributes_txt, write_partition_txt
from .attributes import CELEBA_RATES, RENDERED, sample_attributes
from .drawing import draw_face

FORMAT_VERSION = 2  # bump whenever the drawing changes, so that older sets on disk are redrawn
MANIFEST_NAME = "synthetic_manifest.json"
IMAGE_DIR_NAME = "img_align_celeba"
ATTRIBUTES_FILE_NAME = "list_attr_celeba.txt"
PARTITION_FILE_NAME = "list_eval_partition.txt"
CELEBA_SPLIT_SIZES = (162_770, 19_867, 19_962)  # train, valid, test rows of the real data set


def face_rng(seed: int, index: int) -> np.random.Generator:
    """The random generator of image ``index`` (0-based) of the set made with ``seed``."""
    return np.random.default_rng([seed, index])


def sample_face(seed: int, index: int) -> tuple[dict[str, bool], Image.Image]:
    """Image ``index`` of the set made with ``seed``, in memory (before JPEG), with its attributes."""
    attributes, image, _ = _face_record(seed, index)
    return attributes, image


def _face_record(seed: int, index: int) -> tuple[dict[str, bool], Image.Image, int]:
    rng = face_rng(seed, index)
    attributes = sample_attributes(rng)
    image = draw_face(attributes, rng)
    return attributes, image, int(rng.integers(75, 96))


def partition_sizes(n: int) -> tuple[int, int, int]:
    """CelebA's train/valid/test proportions scaled to ``n`` images (the test split takes the rest)."""
    total = sum(CELEBA_SPLIT_SIZES)
    train, valid = (round(n * size / total) for size in CELEBA_SPLIT_SIZES[:2])
    return train, valid, n - train - valid


def image_name(index: int) -> str:
    """CelebA's file name of image ``index`` (0-based): ``000001.jpg`` for index 0."""
    return f"{index + 1:06d}.jpg"


def generate(root: str | Path, n: int = 5000, seed: int = 0, progress: bool = True) -> Path:
    """Write ``n`` synthetic faces into ``root`` in CelebA's flat layout and return ``root``.

    Returns at once when ``root`` already holds the complete set for this ``n`` and ``seed``; a partial or
    different set that this function wrote is replaced. Refuses to touch a folder it did not write.
    """
    root = Path(root)
    if n < 1:
        raise ValueError(f"n={n} must be a positive number of images")
    wanted = {"format_version": FORMAT_VERSION, "n": n, "seed": seed}
    if _is_complete(root, wanted):
        return root
    # A second process (another notebook) waits here, then finds the set the first one drew.
    with locking.waiting_for(root.with_name(root.name + ".lock"), f"drawing the synthetic faces in {root}"):
        if not _is_complete(root, wanted):
            _draw(root, wanted, progress)
    return root


def _is_complete(root: Path, wanted: dict) -> bool:
    return _manifest(root) == {**wanted, "complete": True} and _files_present(root, wanted["n"])


def _draw(root: Path, wanted: dict, progress: bool) -> None:
    n, seed = wanted["n"], wanted["seed"]
    _refuse_foreign_files(root)
    _write_manifest(root, {**wanted, "complete": False})
    _remove_earlier_set(root)
    image_dir = root / IMAGE_DIR_NAME
    image_dir.mkdir(parents=True)
    names = [image_name(i) for i in range(n)]
    rows = []
    for index in tqdm(range(n), desc="Drawing synthetic faces", unit="img", disable=not progress):
        attributes, image, quality = _face_record(seed, index)
        image.save(image_dir / names[index], "JPEG", quality=quality)
        rows.append(attributes)
    frame = pd.DataFrame(rows, index=pd.Index(names, name="image_id")).astype(int)
    frame = frame.reindex(columns=list(ATTRIBUTES), fill_value=0)
    write_attributes_txt(root / ATTRIBUTES_FILE_NAME, frame)
    split = np.repeat(PARTITIONS, partition_sizes(n))
    write_partition_txt(root / PARTITION_FILE_NAME, pd.Series(split, index=frame.index, name="partition"))
    (root / "README.md").write_text(_readme(frame, seed))
    _write_manifest(root, {**wanted, "complete": True})


def _manifest(root: Path) -> dict | None:
    try:
        return json.loads((root / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None


def _write_manifest(root: Path, content: dict) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST_NAME).write_text(json.dumps(content, indent=2) + "\n")


def _files_present(root: Path, n: int) -> bool:
    image_dir = root / IMAGE_DIR_NAME
    return (
        (root / ATTRIBUTES_FILE_NAME).is_file()
        and (root / PARTITION_FILE_NAME).is_file()
        and image_dir.is_dir()
        and sum(1 for _ in image_dir.iterdir()) == n
    )


_WRITTEN = (IMAGE_DIR_NAME, ATTRIBUTES_FILE_NAME, PARTITION_FILE_NAME, "README.md")


def _refuse_foreign_files(root: Path) -> None:
    """Raise if ``root`` holds CelebA-like files but no manifest of ours (it may be real data)."""
    present = [name for name in _WRITTEN if (root / name).exists()]
    if present and _manifest(root) is None:
        raise FileExistsError(
            f"{root} holds {present} but no {MANIFEST_NAME}: it does not look like a synthetic set written by "
            "vae_tutorial.synthetic.generate, so it is left alone. Pick an empty folder."
        )


def _remove_earlier_set(root: Path) -> None:
    shutil.rmtree(root / IMAGE_DIR_NAME, ignore_errors=True)
    for name in _WRITTEN[1:]:
        (root / name).unlink(missing_ok=True)


def _readme(frame: pd.DataFrame, seed: int) -> str:
    """What this folder is, which attributes show in the pictures, and how often."""
    rates = "\n".join(f"| {name} | {frame[name].mean():.1%} | ~{100 * CELEBA_RATES[name]:g}% |" for name in RENDERED)
    constant = ", ".join(name for name in ATTRIBUTES if name not in RENDERED)
    return f"""# Synthetic CelebA-like faces

These {len(frame):,} faces are **synthetic**, not photographs of people: they were drawn by
`vae_tutorial.synthetic.generate(root, n={len(frame)}, seed={seed})`. They copy CelebA's file layout and
formats (178×218 aligned JPEGs, `list_attr_celeba.txt`, `list_eval_partition.txt` with CelebA's
80.3 / 9.8 / 9.9 % train / valid / test split) so that the tutorial runs the same code on them as on the
real data set.

## Attributes drawn in the pictures

| attribute | share of these images | share in CelebA |
|---|---|---|
{rates}

Eyeglasses and Wearing_Hat are about twice as common as in CelebA, so that a small set holds enough examples
of each to learn from. Mustache and beards (No_Beard = -1) appear only on Male faces, lipstick almost only on
women, gray hair mostly on older faces; smiling faces more often have their mouth open. Faces with none of
the four hair colours have auburn, copper or ginger hair.

## Attributes that are never drawn

These are -1 in every row of `list_attr_celeba.txt`: {constant}.
"""
