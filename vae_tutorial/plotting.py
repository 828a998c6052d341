"""Pictures of what any stage returns: face grids with captions, attribute charts."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def to_uint8(images) -> np.ndarray:
    """Faces as uint8 pixels: floats in [0, 1] are scaled, rounded and clipped; uint8 stays as it is."""
    images = np.asarray(images)
    return images if images.dtype == np.uint8 else np.clip(images * 255 + 0.5, 0, 255).astype(np.uint8)


def tags(values, attributes, limit: int = 4) -> str:
    """The names of the attributes that are on (value ≥ 0.5), shortened, one per line."""
    on = [name.replace("_", " ") for name, v in zip(attributes, values) if v >= 0.5]
    return "\n".join(on[:limit] + (["…"] if len(on) > limit else [])) or "(none)"


def show_faces(images, captions=None, ncols: int = 8, size: float = 1.5, title: str | None = None,
               row_labels=None):
    """A grid of faces (float in [0, 1] or uint8) with an optional caption under each and label per row."""
    images = np.asarray(images)
    n = len(images)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    caption_lines = max((str(c).count("\n") + 1 for c in captions), default=0) if captions is not None else 0
    aspect = images.shape[1] / images.shape[2]
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * (size * aspect + 0.16 * caption_lines)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if i >= n:
            ax.set_visible(False)
            continue
        ax.imshow(to_uint8(images[i]))
        if captions is not None:
            ax.set_xlabel(str(captions[i]), fontsize=8)
    if row_labels is not None:
        for ax, label in zip(axes[:, 0], row_labels):
            ax.set_ylabel(label, fontsize=9, rotation=0, ha="right", va="center", labelpad=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def attribute_frequencies(attributes: pd.DataFrame, title: str = "How often each attribute is present"):
    """Horizontal bars: the share of images with each attribute, most common on top."""
    share = attributes.mean().sort_values()
    fig, ax = plt.subplots(figsize=(7, 0.2 * len(share) + 1))
    ax.barh(share.index, share.to_numpy() * 100, color="tab:blue")
    ax.set_xlabel("% of images")
    ax.set_xlim(0, 100)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def attribute_correlations(attributes: pd.DataFrame, title: str = "Which attributes go together"):
    """A heat map of the correlations between attributes (those that never vary are left out)."""
    varying = attributes.loc[:, attributes.std() > 0]
    corr = varying.astype(float).corr()
    fig, ax = plt.subplots(figsize=(0.32 * len(corr) + 2, 0.32 * len(corr) + 1.5))
    im = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(corr)), corr.columns, rotation=90, fontsize=8)
    ax.set_yticks(range(len(corr)), corr.index, fontsize=8)
    fig.colorbar(im, ax=ax, shrink=0.7, label="correlation")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _face(ax, image, title: str, label: str = "") -> None:
    ax.imshow(to_uint8(image))
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(label, fontsize=8)


def latent_bars(z, ax=None, title: str = "its latent vector z"):
    """The numbers of one latent vector as bars, one per dimension (positive blue, negative red)."""
    z = np.asarray(z)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 2.2))
    ax.bar(range(len(z)), z, color=np.where(z >= 0, "tab:blue", "tab:red"))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(range(len(z)))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("latent dimension", fontsize=9)
    ax.set_title(title, fontsize=10)
    return ax


def reconstruction_story(image, z, reconstruction, caption: str = ""):
    """A face → its latent numbers → the decoder's reconstruction, side by side."""
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), gridspec_kw={"width_ratios": [1, 1.7, 1]})
    _face(axes[0], image, "a real face", caption)
    latent_bars(z, axes[1], f"its {len(np.asarray(z))} latent numbers")
    _face(axes[2], reconstruction, "decoded from them")
    fig.tight_layout()
    return fig


def evaluation_chart(result: dict, title: str = "Does the condition make the attribute?"):
    """Per attribute: the judge's held-out accuracy and the CVAE's attribute control, as bars from
    0.5 (what a condition that does nothing scores) to 1."""
    names = list(result["attributes"])
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(names) + 1.5))
    ax.barh(y - 0.2, [result["control"][n] for n in names], 0.4, label="control (generated faces)",
            color="tab:green")
    ax.barh(y + 0.2, [result["judge_accuracy"][n] for n in names], 0.4, label="judge accuracy (real faces)",
            color="tab:gray")
    ax.set_yticks(y, [n.replace("_", " ") for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0.5, 1)
    ax.set_xlabel("fraction judged as intended")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2, fontsize=8, frameon=False)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save_for_readme(name: str, content) -> None:
    """Write a figure (PNG) or text to the checkout's ``docs/name`` — only when the environment
    variable ``VAE_TUTORIAL_UPDATE_DOCS=1`` asks for it, so readers' runs leave the repository alone."""
    import os
    from pathlib import Path

    docs = Path(__file__).resolve().parent.parent / "docs"
    if os.environ.get("VAE_TUTORIAL_UPDATE_DOCS") != "1" or not (docs.parent / "pyproject.toml").exists():
        return
    docs.mkdir(exist_ok=True)
    if isinstance(content, str):
        (docs / name).write_text(content.rstrip("\n") + "\n")
    else:
        content.savefig(docs / name, dpi=100, bbox_inches="tight")
