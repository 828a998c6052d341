"""Two-number latent planes (notebook 02): an autoencoder's panel beside a VAE's, as codes, as the faces
decoded across each plane, and as random codes with the faces they decode to."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .faces import to_uint8

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
