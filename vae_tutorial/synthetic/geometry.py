"""The face's frame and shapes: landmarks in the 178×218 aligned image, and the curves faces are drawn from.

x is measured from the vertical centre line, y from the top of the image.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..celeba import IMAGE_WIDTH

CENTER_X = IMAGE_WIDTH / 2
PIVOT_Y = 125  # the face turns and scales about (CENTER_X, PIVOT_Y)
SUPERSAMPLING = 2  # shapes are drawn at twice the size and box-filtered down: cheap anti-aliasing
MAX_SHIFT, MAX_SCALE_CHANGE, MAX_TILT_DEGREES = 3.0, 0.05, 4.0

HEAD_CENTER_Y, HEAD_RADIUS_X, HEAD_RADIUS_Y = 106, 50, 60  # the skull under the hair
EYE_X, EYE_Y, EYE_HALF_WIDTH, EYE_HALF_HEIGHT, IRIS_RADIUS = 19.5, 112, 8.5, 4.4, 3.5
BROW_Y, BROW_INNER_X, BROW_OUTER_X = 101, 7, 30
NOSE_TIP_Y = 134
MOUTH_Y = 153
EAR_X, EAR_Y = 47, 119
HAIRLINE_Y, TEMPLE_X, TEMPLE_Y, BANGS_Y = 75, 41, 93, 98
SIDEBURN_Y, FACE_EDGE_AT_TEMPLE = 114, 46
NECK_TOP_Y, SHOULDER_Y = 165, 203
LENS_HALF_WIDTH, LENS_HALF_HEIGHT = 13.5, 10.0

# Right half of the face outline (x from the centre line, y), top to chin; mirrored and smoothed when drawn.
OUTLINE_FEMININE = np.array(
    [(0, 64), (22, 67), (37, 76), (45, 90), (47.5, 106), (47.5, 121), (45, 136), (39, 152), (30, 166), (19, 177),
     (8, 183), (0, 184)], dtype=float)
OUTLINE_MASCULINE = np.array(
    [(0, 63), (24, 66), (40, 75), (48, 90), (50, 106), (51, 121), (50, 137), (47, 155), (41, 170), (30, 182),
     (15, 189), (0, 190)], dtype=float)


def ellipse(cx, cy, rx, ry, start=0.0, end=2 * math.pi, points=32) -> np.ndarray:
    return _unit_ellipse(start, end, points) * (rx, ry) + (cx, cy)


@functools.cache
def _unit_ellipse(start: float, end: float, points: int) -> np.ndarray:
    t = np.linspace(start, end, points)
    return np.stack([np.cos(t), np.sin(t)], axis=1)


@functools.cache
def superellipse(exponent: float, points: int = 36) -> np.ndarray:
    """A unit rounded rectangle for exponents around 4, a unit circle at 2."""
    t = np.linspace(0, 2 * math.pi, points, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    return np.stack([np.sign(c) * np.abs(c) ** (2 / exponent), np.sign(s) * np.abs(s) ** (2 / exponent)], axis=1)


def arc(x0, x1, y, sag, points=9) -> np.ndarray:
    """A parabola from x0 to x1 at height y whose middle sags by ``sag`` (negative: bulges up)."""
    return _unit_parabola(points) * (x1 - x0, sag) + (x0, y)


@functools.cache
def _unit_parabola(points: int) -> np.ndarray:
    u = np.linspace(-1, 1, points)
    return np.stack([(u + 1) / 2, 1 - u**2], axis=1)


def _chaikin(points: np.ndarray) -> np.ndarray:
    """One round of Chaikin corner cutting of a closed polygon (rows are points)."""
    following = np.roll(points, -1, axis=0)
    cut = np.stack([0.75 * points + 0.25 * following, 0.25 * points + 0.75 * following], axis=1)
    return cut.reshape(-1, points.shape[1])


@functools.cache
def outline_smoother() -> np.ndarray:
    """Chaikin smoothing of the mirrored face outline, as one matrix (the smoothing is linear)."""
    return _chaikin(np.eye(2 * len(OUTLINE_FEMININE) - 2))
