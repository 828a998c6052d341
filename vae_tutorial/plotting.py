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
    """Horizontal bars: the share of images with each attribute, most common on top; attributes that
    no image has are named in grey and marked "never present"."""
    share = attributes.mean().sort_values()
    never = set(share.index[share == 0])
    fig, ax = plt.subplots(figsize=(7, 0.2 * len(share) + 1))
    ax.barh(share.index, share.to_numpy() * 100, color="tab:blue")
    for y, (name, label) in enumerate(zip(share.index, ax.get_yticklabels())):
        if name in never:
            label.set_color("gray")
            ax.text(1, y, "never present", va="center", fontsize=8, color="gray")
    ax.set_xlabel("% of images")
    ax.set_xlim(0, 100)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(f"{title} (grey: never, {len(never)} of {len(share)})" if never else title)
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


def speed_bars(speeds: dict, unit: str = "images per second"):
    """Horizontal bars of speeds (higher is better), each labelled with its value and how many times
    the first bar's speed it is."""
    names, values = list(speeds), list(speeds.values())
    fig, ax = plt.subplots(figsize=(6.5, 0.55 * len(names) + 0.9))
    ax.barh(names, values, color=["tab:gray", "tab:blue", "tab:green", "tab:orange", "tab:purple"][:len(names)])
    ax.invert_yaxis()
    ax.set_xlabel(f"{unit} (higher is better)")
    for i, v in enumerate(values):
        ratio = v / values[0]
        ax.text(v, i, f" {v:,.0f}  ({ratio:.{1 if ratio < 10 else 0}f}× the first)", va="center", fontsize=9)
    ax.set_xlim(0, max(values) * 1.75)
    fig.tight_layout()
    return fig


def change_maps(maps: dict, rows: dict | None = None, title: str | None = None):
    """Heat maps of how much each pixel changes (one per name; bright: most), each with its colour bar;
    ``rows`` marks one row per name (e.g. where it changes most) with a cyan line."""
    fig, axes = plt.subplots(1, len(maps), figsize=(4 * len(maps), 4.2), squeeze=False)
    for ax, (name, where) in zip(axes[0], maps.items()):
        shown = ax.imshow(where, cmap="magma")
        label = name
        if rows and name in rows:
            ax.axhline(rows[name], color="cyan", linewidth=1)
            label = f"{name}\nmost change: row {rows[name]}"
        ax.set_title(label, fontsize=10)
        ax.axis("off")
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    if title:
        fig.suptitle(title, fontsize=11)
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
    _face(axes[0], image, "a real face", caption)
    latent_bars(z, axes[1], f"its {len(np.asarray(z))} latent numbers", active)
    _face(axes[2], reconstruction, "decoded from them")
    fig.tight_layout()
    return fig


def evaluation_chart(result: dict, title: str = "Does the condition make the attribute?"):
    """Per attribute: the judge's held-out accuracy and the CVAE's attribute control, as bars, with a
    dashed line at 0.5 (what a condition that does nothing scores)."""
    names = list(result["attributes"])
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(names) + 1.5))
    ax.barh(y - 0.2, [result["control"][n] for n in names], 0.4, label="control (generated faces)",
            color="tab:green")
    ax.barh(y + 0.2, [result["judge_accuracy"][n] for n in names], 0.4, label="judge accuracy (real faces)",
            color="tab:gray")
    ax.set_yticks(y, [n.replace("_", " ") for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0.4, 1)
    ax.axvline(0.5, color="black", linestyle="--", linewidth=1, label="chance: a condition that does nothing")
    ax.set_xlabel("fraction judged as intended")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize=9, frameon=False)
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


_MERGED = {"BatchNormalization": "BN", "LeakyReLU": "LeakyReLU", "ReLU": "ReLU", "Activation": "activation",
           "Dropout": "dropout"}  # drawn inside the box of the layer before them
_INPUT_NAMES = {"images": "input: face x", "conditions": "conditions c", "z": "input: code z"}
_BOX_COLOURS = {"input": "#e8e8e8", "conv": "#cfe2f3", "dense": "#fde9c9", "latent": "#d9ead3",
                "conditions": "#e4d7f5", "other": "#f4f4f4"}


def _shape_text(layer) -> str:
    return " × ".join(str(d) for d in tuple(layer.output.shape)[1:])


def _layer_box(layer) -> dict:
    """What the diagram writes in a layer's box: its kind and settings, its output shape, its colour."""
    kind, config = type(layer).__name__, layer.get_config()
    activation = {"relu": ", ReLU", "sigmoid": ", sigmoid", "tanh": ", tanh"}.get(config.get("activation"), "")
    if kind == "InputLayer":
        text, colour = _INPUT_NAMES.get(layer.name, f"input: {layer.name}"), "input"
    elif kind in ("Conv2D", "Conv2DTranspose"):
        k, s = config["kernel_size"][0], config["strides"][0]
        step = (f" ×{s}" if kind == "Conv2DTranspose" else f" /{s}") if s > 1 else ""  # the side: up or down
        text, colour = f"{kind} {k}×{k}" + step + activation, "conv"
    elif kind.startswith("MaxPooling"):
        text, colour = f"MaxPooling {config['pool_size'][0]}×{config['pool_size'][0]}", "other"
    elif kind == "Dense":
        text = {"z_mean": "Dense → z_mean", "z_log_var": "Dense → z_log_var",
                "z": "Dense → code z"}.get(layer.name, f"Dense{activation}")
        colour = "latent" if layer.name in ("z_mean", "z_log_var", "z") else "dense"
    elif kind == "Sampling":
        text, colour = "Sampling: z = μ + σ·ε", "latent"
    elif kind == "Concatenate":
        text, colour = "Concatenate with c", "conditions"
    else:
        text, colour = kind, "other"
    if layer.name == "images" and kind != "InputLayer":
        text += " → face x̂"
    shape = _shape_text(layer) + {"z_mean": " (μ)", "z_log_var": " (log σ²)"}.get(layer.name, "")
    return {"text": text, "shape": shape, "colour": colour, "name": layer.name}


def _boxes(part) -> list:
    """The rows of one part (encoder or decoder): one box per layer, normalisation and activation layers
    merged into the box before them, ``z_mean`` and ``z_log_var`` side by side in one row."""
    rows = []
    for layer in part.layers:
        kind = type(layer).__name__
        if kind == "InputLayer" and layer.name == "conditions":
            continue
        if kind in _MERGED and rows and not isinstance(rows[-1], list):
            rows[-1]["text"] += f" + {_MERGED[kind]}"
            rows[-1]["shape"] = _shape_text(layer)
            continue
        box = _layer_box(layer)
        if layer.name == "z_log_var" and rows and not isinstance(rows[-1], list) and rows[-1]["name"] == "z_mean":
            rows[-1] = [rows[-1], box]
        else:
            rows.append(box)
    return rows


def _legend(encoder, decoder) -> str:
    """The footnote: how to read a box, and the abbreviations the boxes use (two lines)."""
    def texts(rows):
        return " ".join(box["text"] for row in rows for box in (row if isinstance(row, list) else [row]))

    parts = ["Each box: a layer, and the shape of its output for one face", "k×k: kernel size"]
    if " /2" in texts(encoder + decoder):
        parts.append("/2: stride 2, halves the side")
    if " ×2" in texts(encoder + decoder):
        parts.append("×2: stride 2 (transposed), doubles the side")
    if "MaxPooling" in texts(encoder):
        parts.append("MaxPooling 2×2 halves the side")
    if "BN" in texts(encoder + decoder):
        parts.append("BN: batch normalisation")
    return ";  ".join(parts[:2]) + ";\n" + ";  ".join(parts[2:]) + "." if len(parts) > 2 else ";  ".join(parts) + "."


def _centres(x, width):
    """The centres of two boxes side by side in a column of ``width`` starting at ``x``."""
    half = (width - 0.1) / 2
    return [x + half / 2, x + half + 0.1 + half / 2]


def network_diagram(model):
    """The whole network as boxes, read from the model's layers: the encoder going down on the left,
    the decoder going up on the right, the code ``z`` between them at the bottom and — for a
    conditional model — the conditions ``c`` in the middle, feeding both. Each box names the layer
    (with its kernel size, ``/2`` or ``×2`` for a stride of 2 that halves or doubles the side, and activation)
    and the shape of its output (without the batch); a two-line footnote says how to read them."""
    from matplotlib.patches import FancyBboxPatch

    encoder, decoder = _boxes(model.encoder), _boxes(model.decoder)
    conditional = len(model.encoder.inputs) == 2
    width, height, pitch, gap = 2.9, 0.5, 0.7, 2.3  # inches: box, row spacing, space between the columns
    left_x, right_x = 0.1, 0.1 + width + gap
    rows = max(len(encoder), len(decoder))
    note = 0.45  # inches for the two-line footnote under the boxes
    fig_w, fig_h = 2 * width + gap + 0.2, rows * pitch + 0.55 + note
    fig = plt.figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, fig_w)
    ax.set_ylim(-0.1 - note, fig_h - 0.1 - note)
    ax.axis("off")

    def draw(box, x, y, w):
        ax.add_patch(FancyBboxPatch((x, y - height / 2), w, height, boxstyle="round,pad=0,rounding_size=0.06",
                                    facecolor=_BOX_COLOURS[box["colour"]], edgecolor="#555555", linewidth=0.8))
        ax.text(x + w / 2, y + 0.08, box["text"], ha="center", va="center", fontsize=8.5)
        ax.text(x + w / 2, y - 0.12, box["shape"], ha="center", va="center", fontsize=9, color="#222222")

    def arrow(start, end, colour="#333333"):
        ax.annotate("", end, start, arrowprops=dict(arrowstyle="-|>", color=colour, linewidth=1, shrinkA=0,
                                                    shrinkB=0, mutation_scale=10))

    def place(column, x, ys):
        """Draw a column's rows at heights ``ys``; return each row's (left, right, y) box edges."""
        edges = []
        for row, y in zip(column, ys):
            if isinstance(row, list):  # two boxes side by side
                half = (width - 0.1) / 2
                for k, box in enumerate(row):
                    draw(box, x + k * (half + 0.1), y, half)
            else:
                draw(row, x, y, width)
            edges.append((x, x + width, y))
        return edges

    bottom = height / 2 + 0.05
    enc = place(encoder, left_x, [bottom + (len(encoder) - 1 - i) * pitch for i in range(len(encoder))])
    dec = place(decoder, right_x, [bottom + j * pitch for j in range(len(decoder))])
    centre = width / 2
    for column, edges, down in ((encoder, enc, True), (decoder, dec, False)):
        sign = -1 if down else 1
        for i in range(len(edges) - 1):
            x, y, y_next = edges[i][0], edges[i][2], edges[i + 1][2]
            starts, ends = (_centres(x, width) if isinstance(row, list) else [x + width / 2]
                            for row in (column[i], column[i + 1]))
            for sx in starts:
                for ex in ends:
                    arrow((sx, y + sign * height / 2), (ex, y_next - sign * height / 2))
    # the code z: from the encoder's last box to the decoder's first
    arrow((enc[-1][1], enc[-1][2]), (dec[0][0], dec[0][2]))
    ax.text((enc[-1][1] + dec[0][0]) / 2, enc[-1][2] + 0.06, f"z ({model.encoder.outputs[-1].shape[-1]} numbers)",
            ha="center", va="bottom", fontsize=8.5)
    if conditional:
        joins = [(edges, row) for edges, column in ((enc, encoder), (dec, decoder))
                 for row, box in enumerate(column) if not isinstance(box, list) and box["text"].startswith("Concat")]
        ys = [edges[row][2] for edges, row in joins]
        cx, cy = left_x + width + gap / 2, sum(ys) / len(ys)
        n = model.encoder.inputs[1].shape[-1]
        cbox = {"text": "conditions c", "shape": f"{n} attributes (0/1)", "colour": "conditions"}
        draw(cbox, cx - (gap - 0.4) / 2, cy, gap - 0.4)
        for edges, row in joins:
            box_left, box_right, y = edges[row]
            if box_left < cx:
                arrow((cx - (gap - 0.4) / 2, cy), (box_right, y), "#6a3d9a")
            else:
                arrow((cx + (gap - 0.4) / 2, cy), (box_left, y), "#6a3d9a")
    for edges, name in ((enc, "encoder  q(z | x"), (dec, "decoder  p(x | z")):
        x, _, y = max(edges, key=lambda e: e[2])
        ax.text(x + centre, y + height / 2 + 0.12, f"{name}, c)" if conditional else f"{name})", ha="center",
                va="bottom", fontsize=10, weight="bold")
    ax.text(0.1, -0.1 - note / 2, _legend(encoder, decoder), ha="left", va="center", fontsize=9, color="#222222",
            linespacing=1.4)
    return fig


def training_curves(history: pd.DataFrame, terms=("reconstruction", "kl"), unit: str = "nats per face"):
    """One panel per loss term of a run's history (``runs.load_history``), training and validation
    faces epoch by epoch."""
    fig, axes = plt.subplots(1, len(terms), figsize=(4.2 * len(terms), 3), squeeze=False)
    for ax, name in zip(axes.flat, terms):
        ax.plot(history.index, history[name], "o-", ms=3, label="training faces")
        ax.plot(history.index, history[f"val_{name}"], "o-", ms=3, label="validation faces")
        ax.set_title(f"{name} term")
        ax.set_xlabel("epoch")
        ax.set_ylabel(unit)
    axes.flat[0].legend()
    fig.tight_layout()
    return fig


def kl_by_dimension(kl_each, z_mean, sigma, threshold: float):
    """The KL of each latent dimension (mean over faces: bars, blue above ``threshold`` = active),
    and under it the ``z_mean`` of every face in the two most and the two least used dimensions
    against N(0, 1). ``kl_each``, ``z_mean``, ``sigma``: (faces, dimensions) arrays."""
    kl = kl_each.mean(axis=0)
    active, order = kl > threshold, np.argsort(kl)[::-1]
    fig = plt.figure(figsize=(10, 6))
    grid = fig.add_gridspec(2, 4, height_ratios=[1.15, 1])
    ax = fig.add_subplot(grid[0, :])
    ax.bar(range(len(kl)), kl, color=np.where(active, "tab:blue", "tab:gray"))
    ax.axhline(threshold, color="black", linestyle="--", linewidth=0.8, label=f"{threshold:g} nat: active above")
    ax.legend(fontsize=8)
    ax.set_xticks(range(len(kl)))
    ax.set_xlabel("code dimension")
    ax.set_ylabel("KL, nats per face")
    ax.set_title(f"KL of each code dimension, mean over {len(z_mean)} held-out faces: {kl.sum():.1f} nats in all",
                 fontsize=11)
    t = np.linspace(-4, 4, 200)
    for k, j in enumerate([*order[:2], *order[-2:]]):
        ax = fig.add_subplot(grid[1, k])
        ax.hist(z_mean[:, j], bins=48, range=(-4, 4), density=True, color="tab:blue" if active[j] else "tab:gray")
        ax.plot(t, np.exp(-t**2 / 2) / np.sqrt(2 * np.pi), color="black", linewidth=1, label="N(0, 1)")
        ax.set_title(f"dimension {j} ({'active' if active[j] else 'inactive'})\nKL {kl[j]:.2f} nat, "
                     f"mean σ {sigma[:, j].mean():.2f}", fontsize=9)
        ax.set_xlabel("z_mean of each face", fontsize=9)
        ax.set_yticks([])
    fig.axes[1].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def saved_picture(path, quality: int = 85):
    """A picture saved on disk (e.g. a run's ``samples/epoch_NNN.png``) for a notebook to show at its
    own size, re-encoded as a JPEG so that a notebook showing several stays small."""
    from PIL import Image

    return _jpeg_picture(lambda buffer: Image.open(path).convert("RGB").save(buffer, "JPEG", quality=quality))


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
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
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


def compare_by_step(steps, panels: dict, xlabel: str = "step size", title: str | None = None):
    """Line charts of fractions (0–1) against a step size, one panel per entry of ``panels``
    (``{y label: {series label: values}}``), each point labelled with its value in per cent."""
    from matplotlib.ticker import PercentFormatter

    fig, axes = plt.subplots(1, len(panels), figsize=(4.8 * len(panels), 3.6), squeeze=False)
    for ax, (ylabel, series) in zip(axes[0], panels.items()):
        for n, (label, values) in enumerate(series.items()):
            ax.plot(steps, values, marker="os^D"[n % 4], label=label)
            for x, y in zip(steps, values):
                above = n % 2 == 0  # labels of alternate series above and below their points
                ax.annotate(f"{y:.0%}", (x, y), textcoords="offset points", xytext=(0, 7) if above else (0, -16),
                            ha="center", fontsize=9, color=f"C{n}")
        ax.set_ylim(-0.16, 1.12)  # room for the labels below the points at 0
        ax.set_xticks(list(steps))
        span = max(steps) - min(steps)
        ax.set_xlim(min(steps) - 0.06 * span, max(steps) + 0.12 * span)  # room for the labels at the ends
        ax.yaxis.set_major_formatter(PercentFormatter(1))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="center right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# Two-number latent planes (notebook 02): an autoencoder's panel beside a VAE's

PRIOR_RINGS = (1.52, 2.45)  # radii that hold 68 % and 95 % of N(0, I) in two dimensions


def _plane(ax, vae_panel: bool, half_width: float) -> None:
    """Axes of a latent plane: the VAE's panel (±half_width, framed purple, with N(0, I)'s rings), or
    the autoencoder's, free, with the VAE's panel drawn in it as a purple square to scale."""
    if vae_panel:
        for radius, label in zip(PRIOR_RINGS, ("68 % and 95 % of N(0, I)", None)):
            ax.add_patch(plt.Circle((0, 0), radius, fill=False, ls="--", color="black", lw=1, label=label))
        ax.set(xlim=(-half_width, half_width), ylim=(-half_width, half_width), aspect="equal")
        for spine in ax.spines.values():
            spine.set(color="tab:purple", linewidth=1.5)
    else:
        ax.add_patch(plt.Rectangle((-half_width, -half_width), 2 * half_width, 2 * half_width, fill=False,
                                   color="tab:purple", lw=1.5, label="the VAE's panel, to scale"))
        ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper left", fontsize=8, markerscale=3, framealpha=0.9)
    ax.set_xlabel("z[0]", fontsize=9)
    ax.set_ylabel("z[1]", fontsize=9)
    ax.tick_params(labelsize=8)


def _half_width(*codes) -> float:
    """Half the side of the VAE's panel: room for every code given, with a 5 % margin."""
    return 1.05 * max(np.abs(z[:, :2]).max() for z in codes)


def latent_planes(codes: dict, marked, label: str):
    """Training faces' codes on two latent planes (``codes``: the autoencoder's, then the VAE's, each
    (n, 2)); faces where ``marked`` is True in orange, labelled ``label``."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.4))
    half_width = _half_width(list(codes.values())[1])
    for ax, (name, z), vae_panel in zip(axes, codes.items(), (False, True)):
        ax.scatter(*z[~marked, :2].T, s=4, alpha=0.5, c="tab:gray", lw=0, label=f"not {label}")
        ax.scatter(*z[marked, :2].T, s=4, alpha=0.7, c="tab:orange", lw=0, label=label)
        _plane(ax, vae_panel, half_width)
        width, height = np.ptp(z[:, :2], axis=0)
        ax.set_title(f"{name}: codes of {len(z)} training faces,\nspanning {width:.1f} × {height:.1f} units",
                     fontsize=10)
    fig.tight_layout()
    return fig


def latent_walk(decoders: dict, codes: dict, steps: int = 8):
    """Faces decoded on a ``steps`` × ``steps`` grid over the square covering each model's box of codes
    (dashed; ``decoders``: name → function from codes to faces, the autoencoder's then the VAE's, whose
    panel also shows N(0, I)'s 95 % circle)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.6))
    for ax, (name, decode), vae_panel in zip(axes, decoders.items(), (False, True)):
        z = codes[name]
        low, high = z[:, :2].min(axis=0), z[:, :2].max(axis=0)
        (x0, y0), (x1, y1) = (low + high) / 2 - (high - low).max() / 2, (low + high) / 2 + (high - low).max() / 2
        grid = np.zeros((steps * steps, z.shape[1]), "float32")  # any further code numbers stay 0
        grid[:, :2] = [[x, y] for y in np.linspace(y1, y0, steps) for x in np.linspace(x0, x1, steps)]
        faces = to_uint8(decode(grid))
        side = faces.shape[1]
        sheet = faces.reshape(steps, steps, side, side, 3).transpose(0, 2, 1, 3, 4).reshape(steps * side, -1, 3)
        ax.imshow(sheet, extent=(x0, x1, y0, y1), interpolation="nearest")
        ax.add_patch(plt.Rectangle(low, *(high - low), fill=False, ls="--", color="white", lw=1.2))
        if vae_panel:
            ax.add_patch(plt.Circle((0, 0), PRIOR_RINGS[1], fill=False, ls="--", color="white", lw=1.5))
        ax.set_title(f"{name}: faces across its latent plane", fontsize=10)
        ax.set_xlabel("z[0]", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].set_ylabel("z[1]", fontsize=9)
    fig.tight_layout()
    return fig


def random_codes(drawn: dict, codes: dict, how: dict, odd_lines: dict, k: int = 12, columns: int = 6):
    """The first ``k`` of each model's random codes, numbered on its latent plane (grey: training codes;
    red: far from all of them), and the faces decoded there with their RMSE to the most similar
    training face. ``drawn``: name → dict of ``z``, ``far``, ``faces``, ``rmse``, ``odd`` (the
    autoencoder's, then the VAE's); ``how``: name → how its codes were drawn; ``odd_lines``: name → RMSE line."""
    from matplotlib.patheffects import withStroke

    fig = plt.figure(figsize=(11, 9.2))
    grid = fig.add_gridspec(2, 2, height_ratios=[4.6, 1.9], hspace=0.14, wspace=0.16)
    half_width = _half_width(list(codes.values())[1], list(drawn.values())[1]["z"][:k])
    for column, ((name, result), vae_panel) in enumerate(zip(drawn.items(), (False, True))):
        ax = fig.add_subplot(grid[0, column])
        ax.scatter(*codes[name][:, :2].T, s=4, alpha=0.5, c="tab:gray", lw=0, label="training codes")
        if not vae_panel:
            low, high = codes[name][:, :2].min(axis=0), codes[name][:, :2].max(axis=0)
            ax.add_patch(plt.Rectangle(low, *(high - low), fill=False, ls="--", color="black", lw=1,
                                       label="box of its codes"))
        _plane(ax, vae_panel, half_width)
        shown = result["z"][:k, :2]
        scale = np.ptp(codes[name][:, :2], axis=0)  # to compare directions across axes of different ranges
        for i, z in enumerate(shown):
            ax.scatter(*z, marker="X", s=80, c="red" if result["far"][i] else "tab:blue", edgecolor="black",
                       lw=0.6, zorder=3)
            away = (z - shown) / scale  # the number goes on the side away from the closest other code
            away[i] = np.inf
            away = away[np.argmin((away**2).sum(axis=1))]
            ax.annotate(str(i + 1), z, xytext=10 * away / np.linalg.norm(away), textcoords="offset points",
                        fontsize=9, weight="bold", ha="center", va="center", zorder=4,
                        path_effects=[withStroke(linewidth=2.5, foreground="white")])
        ax.set_title(f"{name}: {k} of {len(result['z'])} codes drawn {how[name]};\nred = far from every training "
                     f"code ({result['far'].mean():.0%} of all {len(result['z'])}), blue = near", fontsize=10)
        strip = grid[1, column].subgridspec(k // columns, columns, wspace=0.1, hspace=0.42)
        for i in range(k):
            face = fig.add_subplot(strip[i // columns, i % columns])
            face.imshow(to_uint8(result["faces"][i]))
            face.set(xticks=[], yticks=[])
            colour = "red" if result["far"][i] else "black"
            face.set_title(str(i + 1), fontsize=9, pad=2, weight="bold", color=colour)
            face.set_xlabel(f"{result['rmse'][i]:.4f}" + (" odd" if result["odd"][i] else ""), fontsize=8,
                            labelpad=2)
            for spine in face.spines.values():
                spine.set(color="red" if result["far"][i] else "white", linewidth=2.5)
    lines = ", ".join(f"{name} {line:.4f}" for name, line in odd_lines.items())
    fig.text(0.5, 0.07, "under each face: its RMSE to the most similar training face; \"odd\" when strictly above "
             f"the model's line ({lines})", ha="center", fontsize=9)
    return fig


def as_jpeg(fig, quality: int = 90, dpi: int = 100):
    """A figure as a JPEG picture for a notebook to show (the figure is closed): figures full of faces
    take a fraction of their PNG size, which keeps notebooks small. Text stays legible at quality 90."""
    picture = _jpeg_picture(lambda buffer: fig.savefig(buffer, format="jpeg", dpi=dpi, bbox_inches="tight",
                                                       facecolor="white", pil_kwargs={"quality": quality}))
    plt.close(fig)
    return picture


def _jpeg_picture(write):
    """The JPEG that ``write(buffer)`` writes, as a picture a notebook shows."""
    from io import BytesIO

    from IPython.display import Image as Picture

    buffer = BytesIO()
    write(buffer)
    return Picture(buffer.getvalue(), format="jpeg")
