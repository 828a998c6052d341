"""Get CelebA from Kaggle with kagglehub, linked into the folder the tutorial reads it from."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from .layout import find, is_present

KAGGLE_HANDLE = "jessicali9530/celeba-dataset"


class CelebADownloadError(RuntimeError):
    """kagglehub could not download CelebA (offline, Kaggle unreachable, ...)."""


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
