"""What a face may wear: glasses (sometimes sunglasses) and hats of three styles."""

from __future__ import annotations

import math

import numpy as np

from .colours import shade
from .geometry import (
    EAR_X,
    EYE_X,
    EYE_Y,
    HEAD_RADIUS_X,
    LENS_HALF_HEIGHT,
    LENS_HALF_WIDTH,
    arc,
    ellipse,
    superellipse,
)
from .look import Look
from .pen import Pen


def draw_glasses(pen: Pen, look: Look) -> None:
    """Bold frames round both eyes, a bridge and the arms towards the ears; sometimes dark lenses."""
    for side in (-1, 1):
        lens = superellipse(look.glasses_shape) * (LENS_HALF_WIDTH, LENS_HALF_HEIGHT) + (side * EYE_X, EYE_Y + 0.5)
        pen.fill(lens, (20, 20, 24, 225) if look.sunglasses else (255, 255, 255, 28))
        pen.outline(lens, look.glasses_colour, 3.0)
        outer = side * (EYE_X + LENS_HALF_WIDTH)
        pen.line([(outer - side, EYE_Y - 4), (side * (EAR_X + 1), EYE_Y - 2)], look.glasses_colour, 2.4)
    inner = EYE_X - LENS_HALF_WIDTH
    pen.line(arc(-inner - 1, inner + 1, EYE_Y - 3, -2, points=7), look.glasses_colour, 2.4)


def draw_hat(pen: Pen, look: Look) -> None:
    """A beanie, a brimmed hat or a cap, covering the top of the head down to the forehead."""
    colour, band = look.hat_colour, shade(look.hat_colour, 0.65)
    pen.fill(ellipse(0, 88, HEAD_RADIUS_X + 9, 6), (0, 0, 0, 60))  # shadow on the forehead
    if look.hat_style == 0:  # beanie with a folded band
        pen.fill(ellipse(0, 88, HEAD_RADIUS_X + 8, 54, start=math.pi, end=2 * math.pi), colour)
        pen.fill(np.concatenate([arc(-61, 61, 76, -3), arc(61, -61, 89, -3)]), band)
    elif look.hat_style == 1:  # brimmed hat
        crown = superellipse(3.0) * (40, 28) + (0, 62)
        pen.fill(crown[crown[:, 1] <= 80], colour)
        pen.fill(np.concatenate([arc(-40, 40, 70, 0), arc(40, -40, 78, 0)]), band)
        pen.fill(ellipse(0, 82, 78, 10), colour)
        pen.line(ellipse(0, 82, 78, 10, start=0, end=math.pi, points=17), band, 1.5)
    else:  # cap with a visor
        pen.fill(ellipse(0, 90, HEAD_RADIUS_X + 6, 52, start=math.pi, end=2 * math.pi), colour)
        pen.fill(ellipse(0, 89, 44, 10, start=0, end=math.pi, points=17), band)
