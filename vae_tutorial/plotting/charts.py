"""Charts of numbers: attribute shares and correlations, speeds, pixel-change maps, loss curves, KL per dimension."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


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
