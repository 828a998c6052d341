"""Figures and saved pictures as small JPEGs for a notebook, and files for the README's ``docs/``."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import matplotlib.pyplot as plt


def as_jpeg(fig, quality: int = 90, dpi: int = 100):
    """A figure as a JPEG picture for a notebook to show (the figure is closed): figures full of faces
    take a fraction of their PNG size, which keeps notebooks small. Text stays legible at quality 90."""
    picture = _jpeg_picture(lambda buffer: fig.savefig(buffer, format="jpeg", dpi=dpi, bbox_inches="tight",
                                                       facecolor="white", pil_kwargs={"quality": quality}))
    plt.close(fig)
    return picture


def saved_picture(path, quality: int = 85):
    """A picture saved on disk (e.g. a run's ``samples/epoch_NNN.png``) for a notebook to show at its
    own size, re-encoded as a JPEG so that a notebook showing several stays small."""
    from PIL import Image

    return _jpeg_picture(lambda buffer: Image.open(path).convert("RGB").save(buffer, "JPEG", quality=quality))


def _jpeg_picture(write):
    """The JPEG that ``write(buffer)`` writes, as a picture a notebook shows."""
    from IPython.display import Image as Picture

    buffer = BytesIO()
    write(buffer)
    return Picture(buffer.getvalue(), format="jpeg")


def save_for_readme(name: str, content) -> None:
    """Write a figure (PNG) or text to the checkout's ``docs/name`` — only when the environment
    variable ``VAE_TUTORIAL_UPDATE_DOCS=1`` asks for it, so readers' runs leave the repository alone."""
    docs = Path(__file__).resolve().parents[2] / "docs"
    if os.environ.get("VAE_TUTORIAL_UPDATE_DOCS") != "1" or not (docs.parent / "pyproject.toml").exists():
        return
    docs.mkdir(exist_ok=True)
    if isinstance(content, str):
        (docs / name).write_text(content.rstrip("\n") + "\n")
    else:
        content.savefig(docs / name, dpi=100, bbox_inches="tight")
