"""A pen that collects shapes in the canonical face frame and draws them through the face's pose."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from .geometry import CENTER_X, PIVOT_Y, SUPERSAMPLING
from .look import Look


class Pen:
    """Collects shapes given in the canonical face frame; ``render`` draws them all through the face's pose
    (shift, scale, tilt, supersampling) with one matrix product for every point."""

    def __init__(self, look: Look):
        s = SUPERSAMPLING * look.scale
        cos, sin = s * math.cos(look.tilt), s * math.sin(look.tilt)
        self._linear = np.array([[cos, sin], [-sin, cos]])  # acts on row vectors: point @ linear
        pivot = SUPERSAMPLING * np.array([CENTER_X + look.dx, PIVOT_Y + look.dy])
        self._offset = pivot - np.array([0.0, PIVOT_Y]) @ self._linear
        self._width_scale = s
        self._shapes: list[tuple[str, np.ndarray, tuple, float]] = []

    def fill(self, points, colour: tuple) -> None:
        self._shapes.append(("fill", np.asarray(points, dtype=float), colour, 0.0))

    def outline(self, points, colour: tuple, width: float) -> None:
        self._shapes.append(("outline", np.asarray(points, dtype=float), colour, width))

    def line(self, points, colour: tuple, width: float) -> None:
        self._shapes.append(("line", np.asarray(points, dtype=float), colour, width))

    def render(self, canvas: Image.Image) -> None:
        """Draw the collected shapes in order; colours with a fourth (alpha) value are blended."""
        opaque, blended = ImageDraw.Draw(canvas), ImageDraw.Draw(canvas, "RGBA")
        every_point = np.concatenate([points for _, points, _, _ in self._shapes])
        coordinates = (every_point @ self._linear + self._offset).ravel().tolist()
        start = 0
        for kind, points, colour, width in self._shapes:
            xy, start = coordinates[start : start + 2 * len(points)], start + 2 * len(points)
            draw = blended if len(colour) == 4 else opaque
            pixels = max(1, round(width * self._width_scale))
            if kind == "fill":
                draw.polygon(xy, fill=colour)
            elif kind == "outline":
                draw.polygon(xy, outline=colour, width=pixels)
            else:
                draw.line(xy, fill=colour, width=pixels)
