"""The palette faces are drawn from, and small helpers that mix and convert colours.

Each range is (one end, other end); a uniform draw picks a shade in between.
"""

from __future__ import annotations

import colorsys

import numpy as np

SKIN_TONES = np.array([(238, 203, 176), (224, 180, 148), (198, 148, 113), (160, 112, 80), (108, 74, 54)], float)
PALE_SKIN = ((252, 233, 224), (244, 224, 214))
HAIR_SHADES = {
    "Black_Hair": ((20, 16, 14), (46, 36, 30)),
    "Brown_Hair": ((82, 50, 28), (132, 88, 54)),
    "Blond_Hair": ((205, 165, 92), (240, 214, 150)),
    "Gray_Hair": ((150, 148, 145), (218, 216, 212)),
    None: ((120, 40, 20), (190, 88, 42)),  # none of the four: auburn, copper, ginger
}
EYE_COLOURS = ((70, 45, 25), (42, 27, 16), (108, 82, 40), (70, 108, 70), (72, 112, 160), (110, 120, 130))
LIPSTICK_COLOURS = ((188, 22, 46), (156, 16, 42), (206, 52, 84), (136, 28, 56))
AGED_SKIN, GREYING = (150, 128, 118), (170, 168, 165)  # older faces drift a little towards these
SCLERA, TEETH, MOUTH_INSIDE = (236, 232, 228), (240, 236, 224), (74, 24, 30)


def lerp(a, b, t: float) -> tuple:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def piecewise(stops: np.ndarray, t: float) -> tuple:
    position = t * (len(stops) - 1)
    i = min(int(position), len(stops) - 2)
    return lerp(stops[i], stops[i + 1], position - i)


def shade(colour, factor: float) -> tuple:
    return tuple(min(255, round(c * factor)) for c in colour[:3])


def hsv(h: float, s: float, v: float) -> tuple:
    return tuple(round(255 * c) for c in colorsys.hsv_to_rgb(h % 1.0, min(s, 1.0), min(v, 1.0)))
