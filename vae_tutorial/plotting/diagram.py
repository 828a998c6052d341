"""The network diagram: a model's layers as boxes, the encoder going down on the left, the decoder
going up on the right, the code ``z`` between them and, for a conditional model, the conditions ``c``."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

_WIDTH, _HEIGHT, _PITCH, _GAP = 2.9, 0.5, 0.7, 2.3  # inches: box, row spacing, space between the columns
_NOTE = 0.45  # inches for the two-line footnote under the boxes
_LEFT, _RIGHT = 0.1, 0.1 + _WIDTH + _GAP  # where the encoder's and the decoder's columns start

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


def _centres(row, x) -> list:
    """The horizontal centres of a row's boxes in the column starting at ``x``: one box, or two side by side."""
    if not isinstance(row, list):
        return [x + _WIDTH / 2]
    half = (_WIDTH - 0.1) / 2
    return [x + half / 2, x + half + 0.1 + half / 2]


def _draw(ax, box, x, y, w) -> None:
    """One box ``w`` wide, its left edge at ``x`` and its middle at height ``y``: the layer, its shape under it."""
    ax.add_patch(FancyBboxPatch((x, y - _HEIGHT / 2), w, _HEIGHT, boxstyle="round,pad=0,rounding_size=0.06",
                                facecolor=_BOX_COLOURS[box["colour"]], edgecolor="#555555", linewidth=0.8))
    ax.text(x + w / 2, y + 0.08, box["text"], ha="center", va="center", fontsize=8.5)
    ax.text(x + w / 2, y - 0.12, box["shape"], ha="center", va="center", fontsize=9, color="#222222")


def _arrow(ax, start, end, colour="#333333") -> None:
    ax.annotate("", end, start, arrowprops=dict(arrowstyle="-|>", color=colour, linewidth=1, shrinkA=0, shrinkB=0,
                                                mutation_scale=10))


def _column(ax, rows, x, down: bool) -> list:
    """Draw one part's rows in the column starting at ``x``, going down (the encoder) or up (the
    decoder), with arrows from each row to the next; return each row's (left, right, y) box edges."""
    bottom = _HEIGHT / 2 + 0.05
    edges = []
    for i, row in enumerate(rows):
        y = bottom + (len(rows) - 1 - i if down else i) * _PITCH
        if isinstance(row, list):  # two boxes side by side
            half = (_WIDTH - 0.1) / 2
            for k, box in enumerate(row):
                _draw(ax, box, x + k * (half + 0.1), y, half)
        else:
            _draw(ax, row, x, y, _WIDTH)
        edges.append((x, x + _WIDTH, y))
    sign = -1 if down else 1
    for i in range(len(rows) - 1):
        y, y_next = edges[i][2], edges[i + 1][2]
        for start in _centres(rows[i], x):
            for end in _centres(rows[i + 1], x):
                _arrow(ax, (start, y + sign * _HEIGHT / 2), (end, y_next - sign * _HEIGHT / 2))
    return edges


def _conditions(ax, n: int, parts) -> None:
    """The conditions box (``n`` attributes) between the columns, with an arrow to each box that
    concatenates them; ``parts``: (rows, edges) of the encoder and of the decoder."""
    joins = [edges[i] for rows, edges in parts for i, box in enumerate(rows)
             if not isinstance(box, list) and box["text"].startswith("Concat")]
    cx, cy, w = _LEFT + _WIDTH + _GAP / 2, sum(y for _, _, y in joins) / len(joins), _GAP - 0.4
    _draw(ax, {"text": "conditions c", "shape": f"{n} attributes (0/1)", "colour": "conditions"}, cx - w / 2, cy, w)
    for box_left, box_right, y in joins:
        if box_left < cx:
            _arrow(ax, (cx - w / 2, cy), (box_right, y), "#6a3d9a")
        else:
            _arrow(ax, (cx + w / 2, cy), (box_left, y), "#6a3d9a")


def network_diagram(model):
    """The whole network as boxes, read from the model's layers: the encoder going down on the left,
    the decoder going up on the right, the code ``z`` between them at the bottom and — for a
    conditional model — the conditions ``c`` in the middle, feeding both. Each box names the layer
    (with its kernel size, ``/2`` or ``×2`` for a stride of 2 that halves or doubles the side, and activation)
    and the shape of its output (without the batch); a two-line footnote says how to read them."""
    encoder, decoder = _boxes(model.encoder), _boxes(model.decoder)
    conditional = len(model.encoder.inputs) == 2
    fig_w, fig_h = 2 * _WIDTH + _GAP + 0.2, max(len(encoder), len(decoder)) * _PITCH + 0.55 + _NOTE
    fig = plt.figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, fig_w)
    ax.set_ylim(-0.1 - _NOTE, fig_h - 0.1 - _NOTE)
    ax.axis("off")
    enc, dec = _column(ax, encoder, _LEFT, down=True), _column(ax, decoder, _RIGHT, down=False)
    # the code z: from the encoder's last box to the decoder's first
    _arrow(ax, (enc[-1][1], enc[-1][2]), (dec[0][0], dec[0][2]))
    ax.text((enc[-1][1] + dec[0][0]) / 2, enc[-1][2] + 0.06, f"z ({model.encoder.outputs[-1].shape[-1]} numbers)",
            ha="center", va="bottom", fontsize=8.5)
    if conditional:
        _conditions(ax, model.encoder.inputs[1].shape[-1], ((encoder, enc), (decoder, dec)))
    for edges, name in ((enc, "encoder  q(z | x"), (dec, "decoder  p(x | z")):
        x, _, y = max(edges, key=lambda e: e[2])
        ax.text(x + _WIDTH / 2, y + _HEIGHT / 2 + 0.12, f"{name}, c)" if conditional else f"{name})", ha="center",
                va="bottom", fontsize=10, weight="bold")
    ax.text(0.1, -0.1 - _NOTE / 2, _legend(encoder, decoder), ha="left", va="center", fontsize=9, color="#222222",
            linespacing=1.4)
    return fig
