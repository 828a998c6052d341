"""The face itself: neck and clothes, ears, skin, age lines, eyes, brows and nose."""

from __future__ import annotations

import math

import numpy as np

from .colours import SCLERA, lerp, shade
from .geometry import (
    BROW_INNER_X,
    BROW_OUTER_X,
    BROW_Y,
    EAR_X,
    EAR_Y,
    EYE_HALF_HEIGHT,
    EYE_HALF_WIDTH,
    EYE_X,
    EYE_Y,
    IRIS_RADIUS,
    NECK_TOP_Y,
    NOSE_TIP_Y,
    SHOULDER_Y,
    arc,
    ellipse,
)
from .look import Look
from .pen import Pen

_EYELID_T = np.linspace(0, math.pi, 12)
_EYELID_UPPER = np.stack([-np.cos(_EYELID_T), -np.sin(_EYELID_T) ** 0.8], axis=1)
_EYELID_LOWER = np.stack([np.cos(_EYELID_T), 0.75 * np.sin(_EYELID_T)], axis=1)
_BROW_T = np.linspace(0, 1, 10)
_BROW_X = BROW_INNER_X + (BROW_OUTER_X - BROW_INNER_X) * np.concatenate([_BROW_T, _BROW_T[::-1]])
_BROW_BEND = np.sin(math.pi * (0.15 + 0.75 * _BROW_T))
_BROW_TAPER = 1.15 - 0.55 * _BROW_T


def draw_neck_and_clothes(pen: Pen, a: dict[str, bool], look: Look) -> None:
    """A shaded neck (broader for men) and shoulders in a plain top with a round neckline."""
    half_width = 25 if a["Male"] else 20
    neck_shadow = shade(look.skin, 0.82)
    pen.fill([(-half_width, NECK_TOP_Y), (half_width, NECK_TOP_Y), (half_width + 2, 205), (0, 214),
              (-half_width - 2, 205)], neck_shadow)
    pen.fill(ellipse(0, SHOULDER_Y + 52, 96, 52), look.clothes)
    pen.fill(ellipse(0, SHOULDER_Y, half_width + 6, 11, start=0, end=math.pi, points=12), neck_shadow)


def draw_ears(pen: Pen, look: Look) -> None:
    """Ears beside the eyes' level, with a shaded rim."""
    for side in (-1, 1):
        x = side * EAR_X * look.face_width
        rim = 0 if side > 0 else math.pi
        pen.fill(ellipse(x, EAR_Y, 6, 12, points=20), shade(look.skin, 0.92))
        pen.line(ellipse(x, EAR_Y, 3, 8, start=rim - 1.2, end=rim + 1.2, points=8), shade(look.skin, 0.7) + (150,), 1)


def draw_skin(pen: Pen, a: dict[str, bool], outline: np.ndarray, look: Look) -> None:
    """The face, a little darker towards its edges, with shaded eye sockets and warm cheeks (raised by a smile)."""
    for shrink, brightness in ((0.0, 0.94), (0.09, 1.0)):
        pen.fill(outline * (1 - shrink, 1 - shrink / 2) + (0, 120 * shrink / 2), shade(look.skin, brightness))
    cheek_y, cheek_alpha = (128, 40) if a["Smiling"] else (133, 22)
    for side in (-1, 1):
        pen.fill(ellipse(side * 27, cheek_y, 11, 7, points=16), (220, 90, 90, cheek_alpha))
        pen.fill(ellipse(side * EYE_X, EYE_Y - 2, 14, 8, points=16), (60, 30, 20, 26))


def draw_age_lines(pen: Pen, look: Look) -> None:
    """Forehead lines, crow's feet, bags under the eyes and deep folds beside the nose, mouth and chin."""
    crease = shade(look.skin, 0.5) + (190,)
    for y in (81, 86, 91):
        pen.line(arc(-21, 21, y, -1.5), crease, 1.5)
    for side in (-1, 1):
        outer = side * (EYE_X + EYE_HALF_WIDTH + 2)
        crows_feet = [(outer + side * 6, EYE_Y - 2.5), (outer, EYE_Y), (outer + side * 6, EYE_Y + 0.5), (outer, EYE_Y),
                      (outer + side * 6, EYE_Y + 3.5)]
        pen.line(crows_feet, crease, 1.1)
        under_eye = arc(side * EYE_X - 8, side * EYE_X + 8, EYE_Y + 4, 2.5)
        bag_bottom = arc(side * EYE_X + 8, side * EYE_X - 8, EYE_Y + 4, 5.5)
        pen.fill(np.concatenate([under_eye, bag_bottom]), (70, 40, 40, 60))
        pen.line(bag_bottom, crease, 1.4)
        pen.line([(side * 12, 131), (side * 20, 146), (side * 22, 159)], crease, 2.2)
        pen.line([(side * 18, 162), (side * 17, 174)], crease, 1.8)


def draw_eyes(pen: Pen, a: dict[str, bool], look: Look) -> None:
    """Almond-shaped eyes with iris, pupil and catch-light; women's with a darker liner and a flick."""
    size = (EYE_HALF_WIDTH * look.eye_size, EYE_HALF_HEIGHT * look.eye_size)
    liner = (28, 20, 18)
    for side in (-1, 1):
        cx = side * EYE_X
        upper = _EYELID_UPPER * (side * size[0], size[1]) + (cx, EYE_Y)  # inner corner → outer corner
        lower = _EYELID_LOWER * (side * size[0], size[1]) + (cx, EYE_Y)  # outer corner → inner corner
        pen.fill(np.concatenate([upper, lower]), SCLERA)
        pen.fill(ellipse(cx, EYE_Y - 0.3, IRIS_RADIUS, IRIS_RADIUS, points=16), look.eye_colour)
        pen.fill(ellipse(cx, EYE_Y - 0.3, 1.6, 1.6, points=10), (12, 10, 10))
        pen.fill(ellipse(cx + 1.2, EYE_Y - 1.5, 0.8, 0.8, points=6), (250, 250, 250))
        pen.line(upper, liner, 1.3 if a["Male"] else 2.0)
        if not a["Male"]:
            pen.line([upper[-1], upper[-1] + (side * 2.5, -1.5)], liner, 1.4)  # a flick at the outer corner
        pen.line(lower[3:-3], shade(look.skin, 0.7) + (140,), 0.8)


def draw_brows(pen: Pen, a: dict[str, bool], look: Look, hair: tuple) -> None:
    """Thick, straighter brows for men, thinner arched ones for women, in a darkened hair colour."""
    thickness = 4.2 if a["Male"] else 2.6
    arch = (1.5 if a["Male"] else 3.0) + 1.5 * look.brow_arch
    colour = lerp(hair, (45, 32, 26), 0.5)
    middle = BROW_Y - arch * _BROW_BEND + _BROW_T
    half_width = thickness / 2 * _BROW_TAPER
    y = np.concatenate([middle - half_width, (middle + half_width)[::-1]])
    for side in (-1, 1):
        pen.fill(np.stack([side * _BROW_X, y], axis=1), colour)


def draw_nose(pen: Pen, look: Look) -> None:
    """A shadow down one side, the curve of the wings, nostrils and a highlight on the tip."""
    shadow = shade(look.skin, 0.72)
    pen.line([(-5, EYE_Y - 2), (-6, 124), (-8, NOSE_TIP_Y - 3)], shadow + (90,), 1.6)
    pen.line(arc(-9, 9, NOSE_TIP_Y + 1, 3.0), shadow + (170,), 1.4)
    for side in (-1, 1):
        pen.fill(ellipse(side * 4.5, NOSE_TIP_Y + 1.5, 2.4, 1.3, points=10), shade(look.skin, 0.45))
    pen.fill(ellipse(0.5, NOSE_TIP_Y - 4, 3.0, 2.5, points=10), (255, 255, 255, 40))
