"""The mouth: its lips' curves (widened and lifted by a smile, parted when open) and how they are drawn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colours import MOUTH_INSIDE, TEETH, lerp, shade
from .geometry import MOUTH_Y, NOSE_TIP_Y, ellipse
from .look import Look
from .pen import Pen

MOUTH_U = np.linspace(-1, 1, 17)
_MOUTH_OPENING = 1 - MOUTH_U**2
MOUTH_BULGE = np.sqrt(_MOUTH_OPENING)
_UPPER_LIP_PROFILE = MOUTH_BULGE * (1 - 0.3 * np.exp(-((MOUTH_U / 0.15) ** 2)))  # with a cupid's bow


@dataclass(frozen=True)
class Mouth:
    """The four curves of the lips (arrays of (x, y), left to right), and whether the mouth is open."""

    upper_outer: np.ndarray
    upper_inner: np.ndarray
    lower_inner: np.ndarray
    lower_outer: np.ndarray
    half_width: float
    open: bool


def mouth_shape(a: dict[str, bool], look: Look) -> Mouth:
    """Smiling widens the mouth and lifts its corners; an open mouth parts the lips."""
    smiling, open_ = a["Smiling"], a["Mouth_Slightly_Open"]
    half_width = (20.5 if smiling else 14.5) + look.mouth_width
    lift = 6.5 if smiling else 0.6
    gap = (7.5 if smiling else 5.0) if open_ else 0.0
    fullness = look.lip_fullness * (1.0 if a["Male"] else 1.15) * (1.0 if a["Young"] else 0.8)
    upper, lower = (2.4 if smiling else 3.2) * fullness, (3.4 if smiling else 4.4) * fullness
    centre = MOUTH_Y + (1.5 if smiling else 0) - lift * MOUTH_U**2
    upper_inner = centre - 0.35 * gap * _MOUTH_OPENING
    lower_inner = centre + 0.65 * gap * _MOUTH_OPENING
    upper_outer = upper_inner - upper * _UPPER_LIP_PROFILE
    lower_outer = lower_inner + lower * MOUTH_BULGE
    x = MOUTH_U * half_width
    curves = (np.stack([x, y], axis=1) for y in (upper_outer, upper_inner, lower_inner, lower_outer))
    return Mouth(*curves, half_width=half_width, open=open_)


def draw_mouth(pen: Pen, a: dict[str, bool], look: Look, mouth: Mouth) -> None:
    """Lips (red with lipstick), the dark opening and teeth when open, and smile creases when smiling."""
    lips = look.lipstick if a["Wearing_Lipstick"] else lerp(look.skin, (168, 72, 78), 0.45)
    pen.fill(np.concatenate([mouth.upper_outer, mouth.lower_outer[::-1]]), lips)
    if mouth.open:
        pen.fill(np.concatenate([mouth.upper_inner, mouth.lower_inner[::-1]]), MOUTH_INSIDE)
        teeth_top = mouth.upper_inner[2:-2]
        depth = 0.55 if a["Smiling"] else 0.25
        teeth_bottom = teeth_top + (mouth.lower_inner[2:-2] - teeth_top) * (0, depth)
        pen.fill(np.concatenate([teeth_top, teeth_bottom[::-1]]), TEETH)
    else:
        pen.line(mouth.upper_inner, shade(lips, 0.4), 1.8 if a["Smiling"] else 1.2)
    shine_y = mouth.lower_outer[len(MOUTH_U) // 2, 1] - 1.8
    pen.fill(ellipse(0, shine_y, mouth.half_width * 0.3, 1.0, points=10), (255, 255, 255, 50))
    if a["Smiling"]:
        crease = shade(look.skin, 0.55) + (190,)
        for side, corner in ((-1, mouth.upper_inner[0]), (1, mouth.upper_inner[-1])):
            pen.line([(side * 11, NOSE_TIP_Y + 1), (side * (mouth.half_width + 1), MOUTH_Y - 6),
                      corner + (side * 3.5, 3)], crease, 1.8)
            pen.fill(ellipse(*(corner + (side * 1.5, 0.5)), 1.6, 1.6, points=8), crease)  # dimples
