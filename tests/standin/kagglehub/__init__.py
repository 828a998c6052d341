"""A stand-in for kagglehub, for tests that must not touch the network.

Put ``tests/standin`` first on ``PYTHONPATH`` and ``import kagglehub`` finds this module instead of
the real package. ``dataset_download("jessicali9530/celeba-dataset")`` then builds, once, a small copy of
CelebA in Kaggle's layout, with the package's synthetic faces as the photos::

    $KAGGLEHUB_CACHE/datasets/jessicali9530/celeba-dataset/versions/2/
        img_align_celeba/img_align_celeba/000001.jpg …
        list_attr_celeba.csv        image_id,5_o_Clock_Shadow,… with -1/1 values
        list_eval_partition.csv     image_id,partition with 0/1/2
        list_bbox_celeba.csv        image_id,x_1,y_1,width,height

and returns that path, as kagglehub does (its cache folder is ``$KAGGLEHUB_CACHE``, by default
``~/.cache/kagglehub``). ``KAGGLEHUB_STANDIN_SIZE`` sets the number of faces (600 by default).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__version__ = "0.0-standin"

HANDLE = "jessicali9530/celeba-dataset"
VERSION = 2
DEFAULT_SIZE = 600


def cache_dir() -> Path:
    return Path(os.environ.get("KAGGLEHUB_CACHE", "~/.cache/kagglehub")).expanduser()


def dataset_download(handle: str, path: str | None = None, *, force_download: bool | None = False) -> str:
    """The folder of the data set ``handle`` (``owner/name`` or ``owner/name/versions/N``), built on first use."""
    owner_name = handle.split("/versions/")[0].strip("/")
    if owner_name != HANDLE or handle.rstrip("/") not in (HANDLE, f"{HANDLE}/versions/{VERSION}"):
        raise ValueError(f"the kagglehub stand-in only knows {HANDLE!r} (version {VERSION}), not {handle!r}")
    if path is not None:
        raise ValueError("the kagglehub stand-in downloads whole data sets only (path=None)")
    target = cache_dir() / "datasets" / HANDLE / "versions" / str(VERSION)
    complete = target.with_name(f"{VERSION}.complete")  # kagglehub's own marker; a copy without it is unfinished
    if force_download or not complete.is_file():
        size = int(os.environ.get("KAGGLEHUB_STANDIN_SIZE", DEFAULT_SIZE))
        print(f"Downloading from https://www.kaggle.com/api/v1/datasets/download/{HANDLE}?dataset_version_number="
              f"{VERSION}... (kagglehub stand-in: drawing {size} synthetic faces, no network)", flush=True)
        _build(target, size)
        print("Extracting files...", flush=True)
        complete.touch()
    return str(target)


def _build(target: Path, size: int) -> None:
    """Write the Kaggle layout into a scratch folder beside ``target``, then move it into place."""
    import pandas as pd

    from vae_tutorial import celeba, synthetic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        drawn = synthetic.generate(Path(scratch) / "synthetic", n=size, progress=False)
        root = Path(scratch) / "kaggle"
        images = root / "img_align_celeba" / "img_align_celeba"
        images.parent.mkdir(parents=True)
        shutil.copytree(drawn / synthetic.IMAGE_DIR_NAME, images)
        attributes = celeba.load_attributes(drawn)  # 0/1; Kaggle writes -1/1
        signs = (attributes * 2 - 1).reset_index()
        signs.to_csv(root / "list_attr_celeba.csv", index=False)
        partition = celeba.load_partition(drawn)
        pd.DataFrame({"image_id": partition.index, "partition": partition.cat.codes}).to_csv(
            root / "list_eval_partition.csv", index=False)
        # Kaggle's box file refers to the photos before alignment; here: a plausible box per face
        pd.DataFrame({"image_id": attributes.index, "x_1": 45, "y_1": 60, "width": 88, "height": 108}).to_csv(
            root / "list_bbox_celeba.csv", index=False)
        if target.exists():
            shutil.rmtree(target)
        root.rename(target)
