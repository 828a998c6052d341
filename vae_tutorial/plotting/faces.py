"""Faces as pictures: grids with captions, a photo and its crop, edits made visible, a face and its code."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np


def to_uint8(images) -> np.ndarray:
    """Faces as uint8 pixels: floats in [0, 1] are scaled, rounded and clipped; uint8 stays as it is."""
    images = np.asarray(images)
    return images if images.dtype == np.uint8 else np.clip(images * 255 + 0.5, 0, 255).astype(np.uint8)


def tags(values, attributes, limit: int | None = 4, first=(), hide=()) -> str:
    """The names of the attributes that are on (value ≥ 0.5), shortened, one per line.

    first: names listed before all others when they are on, in this order (e.g. the conditioned
    attributes); hide: names never listed (e.g. ``No_Beard`` and ``Young``, on for most faces);
    limit: at most this many lines, then "…" (None: all)."""
    on = [name for name, v in zip(attributes, values) if v >= 0.5 and name not in hide]
    on = [name for name in first if name in on] + [name for name in on if name not in first]
    on = [name.replace("_", " ") for name in on]
    if limit is not None and len(on) > limit:
        on = on[:limit] + ["…"]
    return "\n".join(on) or "(none)"


def hide_axes(ax) -> None:
    """No ticks and no frame, so ``ax`` shows only its picture (and its labels)."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


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
        hide_axes(ax)
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


def show_crop(photo, box, face):
    """A photo with the square the model reads (``box``: left, top, right, bottom) drawn in yellow,
    beside the small face the model sees."""
    from matplotlib.patches import Rectangle

    left, top, right, bottom = box
    fig, axes = plt.subplots(1, 2, figsize=(6, 3.2))
    axes[0].imshow(to_uint8(photo))
    axes[0].add_patch(Rectangle((left, top), right - left, bottom - top, fill=False, color="yellow", lw=2))
    axes[0].set_title(f"{photo.shape[1]} × {photo.shape[0]} photo, crop in yellow", fontsize=9)
    axes[1].imshow(to_uint8(face), interpolation="nearest")
    axes[1].set_title(f"what the model sees: {face.shape[1]} × {face.shape[0]}", fontsize=9)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def show_edits(originals, edited: dict, captions: dict | None = None, gain: float = 4.0, size: float = 1.6,
               title: str | None = None):
    """Edits of real faces made visible: for each face a row ``original, *edited`` and under it a row
    of the pixel changes ``gain · |edit − first edit|`` (black = unchanged). ``edited`` maps a name to
    faces, one per original; its first entry (e.g. the reconstruction) is what the others are compared
    with. ``captions`` maps some of those names to one caption per face."""
    originals = np.asarray(originals)
    names = list(edited)
    reference = np.asarray(edited[names[0]])
    captions = captions or {}
    ncols = 1 + len(names)
    aspect = originals.shape[1] / originals.shape[2]
    height = len(originals) * (2 * size * aspect + 0.7)
    fig, axes = plt.subplots(2 * len(originals), ncols, figsize=(ncols * size, height), squeeze=False)
    for ax in axes.flat:
        hide_axes(ax)
    for k, original in enumerate(originals):
        top, bottom = axes[2 * k], axes[2 * k + 1]
        top[0].imshow(to_uint8(original))
        top[0].set_xlabel("real face", fontsize=8)
        bottom[0].set_visible(False)
        for j, name in enumerate(names, start=1):
            face = np.asarray(edited[name][k])
            top[j].imshow(to_uint8(face))
            top[j].set_xlabel("\n".join([name, *([captions[name][k]] if name in captions else [])]), fontsize=8)
            if j == 1:
                bottom[j].set_visible(False)
                continue
            change = np.abs(face - reference[k]).max(axis=-1)
            bottom[j].imshow(np.clip(gain * change, 0, 1), cmap="gray", vmin=0, vmax=1)
            bottom[j].set_xlabel(f"change × {gain:g}", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def latent_bars(z, ax=None, title: str = "its latent vector z", active=None):
    """The numbers of one latent vector as bars, one per dimension (positive blue, negative red).
    ``active``: a mask of the dimensions the model uses; the others are drawn grey and say so."""
    z = np.asarray(z)
    active = np.ones(len(z), bool) if active is None else np.asarray(active, bool)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 2.2))
    ax.bar(range(len(z)), z, color=np.where(~active, "silver", np.where(z >= 0, "tab:blue", "tab:red")))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(range(len(z)))
    for label, used in zip(ax.get_xticklabels(), active):
        label.set_fontweight("bold" if used and not active.all() else "normal")
    if not active.all():
        ax.bar([0], [0], color="silver", label="inactive dimensions")
        ax.legend(fontsize=8, loc="upper right", frameon=False)
    ax.tick_params(axis="both", labelsize=9)
    ax.set_xlabel("latent dimension", fontsize=9)
    ax.set_title(title, fontsize=10)
    return ax


def reconstruction_story(image, z, reconstruction, caption: str = "", active=None):
    """A face → its latent numbers (``active``: see ``latent_bars``) → the decoder's reconstruction."""
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), gridspec_kw={"width_ratios": [1, 1.7, 1]})
    for ax, face, title, label in ((axes[0], image, "a real face", caption),
                                   (axes[2], reconstruction, "decoded from them", "")):
        ax.imshow(to_uint8(face))
        ax.set_title(title, fontsize=10)
        hide_axes(ax)
        ax.set_xlabel(label, fontsize=8)
    latent_bars(z, axes[1], f"its {len(np.asarray(z))} latent numbers", active)
    fig.tight_layout()
    return fig
