"""Hair: its colour, the fall behind the head, the hair over the forehead (or bangs), beards and moustaches."""

from __future__ import annotations

import math

import numpy as np

from .attributes import HAIR_COLOURS
from .colours import GREYING, HAIR_SHADES, lerp, shade
from .geometry import (
    BANGS_Y,
    FACE_EDGE_AT_TEMPLE,
    HAIRLINE_Y,
    HEAD_CENTER_Y,
    HEAD_RADIUS_X,
    HEAD_RADIUS_Y,
    MOUTH_Y,
    SIDEBURN_Y,
    TEMPLE_X,
    TEMPLE_Y,
    ellipse,
)
from .look import Look
from .mouth import MOUTH_BULGE, MOUTH_U, Mouth
from .pen import Pen

_HAIRLINE_X = np.linspace(1, -1, 21)
_FRINGE_X = np.linspace(1, -1, 25)
_FRINGE = np.stack([_FRINGE_X, 3 * _FRINGE_X**4 - 1.8 * np.abs(np.sin(3 * math.pi * _FRINGE_X))], axis=1)
_MUSTACHE_DROOP = np.zeros((len(MOUTH_U), 2))
_MUSTACHE_DROOP[[0, -1]] = [(-3, 3), (3, 3)]


def hair_colour(a: dict[str, bool], look: Look) -> tuple:
    """A shade of the face's hair colour category (auburn to ginger for none), greying a little with age."""
    category = next((name for name in HAIR_COLOURS if a[name]), None)
    colour = lerp(*HAIR_SHADES[category], look.hair_shade)
    return colour if a["Young"] or category == "Gray_Hair" else lerp(colour, GREYING, 0.15)


def draw_back_hair(pen: Pen, a: dict[str, bool], look: Look, hair: tuple) -> None:
    """The hair behind the head: a short crown for men, a long fall to the shoulders for women."""
    silhouette = _hair_silhouette(a, look)
    if a["Male"]:
        pen.fill(silhouette[silhouette[:, 1] < SIDEBURN_Y], hair)
        return
    radius, end = silhouette[:, 0].max(), _hair_end(look)
    flare = 3 + 9 * look.hair_volume
    fall = np.array([(radius, HEAD_CENTER_Y), (radius + flare / 2, 140), (radius + flare, end - 16),
                     (radius + flare - 1.5, end - 7), (radius + flare - 5, end - 2), (radius - 4, end),
                     (radius - 14, end - 1), (0, end - 2)])
    top = silhouette[silhouette[:, 1] < HEAD_CENTER_Y]
    pen.fill(np.concatenate([top, fall, fall[-2::-1] * (-1, 1)]), hair)


def draw_beard(pen: Pen, outline: np.ndarray, mouth: Mouth, look: Look, hair: tuple) -> None:
    """A full beard or heavy stubble from the sideburns over the jaw and chin, leaving cheeks and lips free."""
    jaw = outline[outline[:, 1] >= SIDEBURN_Y]
    jaw = jaw[np.argsort(np.arctan2(jaw[:, 1] - 100, jaw[:, 0]))]  # right sideburn → chin → left sideburn
    w, edge = mouth.half_width, jaw[0, 0]
    right = np.array([(edge - 6, SIDEBURN_Y), (37, 134), (w + 5, MOUTH_Y - 5), (w - 1, MOUTH_Y + 7), (0, MOUTH_Y + 9)])
    left_to_right = np.concatenate([right * (-1, 1), right[-2::-1]])
    colour = _facial_hair_colour(hair)
    pen.fill(np.concatenate([jaw, left_to_right]), colour if look.full_beard else colour + (165,))


def _facial_hair_colour(hair: tuple) -> tuple:
    """Beards and moustaches a little darker than the hair, so that they show even when blond."""
    return lerp(hair, (30, 22, 18), 0.35)


def draw_mustache(pen: Pen, mouth: Mouth, hair: tuple) -> None:
    """A band of hair over the upper lip, reaching a little past and below the mouth's corners."""
    lower = mouth.upper_outer + _MUSTACHE_DROOP
    upper = lower.copy()
    upper[:, 1] -= 6 + 1.5 * MOUTH_BULGE
    pen.fill(np.concatenate([upper, lower[::-1]]), _facial_hair_colour(hair))


def draw_front_hair(pen: Pen, a: dict[str, bool], look: Look, hair: tuple) -> None:
    """The hair over the top of the head down to the hairline, or down to a fringe for Bangs."""
    silhouette = _hair_silhouette(a, look)
    sideburn = SIDEBURN_Y if a["Male"] else SIDEBURN_Y - 8
    edge = FACE_EDGE_AT_TEMPLE * look.face_width
    hairline = _fringe(look) if a["Bangs"] else _hairline(a, look)
    hairline = np.concatenate([[(edge, sideburn)], hairline, [(-edge, sideburn)]])
    pen.fill(np.concatenate([silhouette[silhouette[:, 1] < sideburn], hairline]), hair)
    parting = np.array([look.parting * 0.4, silhouette[:, 1].min() + 6])
    streak = shade(hair, 0.7) + (80,)
    for end in hairline[3:-3:6] - (0, 4):
        pen.line([parting, parting + (end - parting) * (0.85, 0.35), end], streak, 1.0)


def _hairline(a: dict[str, bool], look: Look) -> np.ndarray:
    """The forehead's upper edge from the right temple to the left: higher and receding on older men."""
    receding = a["Male"] and not a["Young"]
    apex = HAIRLINE_Y - (7 if receding else 0)
    reach = np.minimum(np.abs(_HAIRLINE_X - look.parting * 0.3 / TEMPLE_X), 1)
    y = apex + (TEMPLE_Y - apex) * reach ** (1.4 if receding else 2.4)
    return np.stack([_HAIRLINE_X * TEMPLE_X * look.face_width, y], axis=1)


def _fringe(look: Look) -> np.ndarray:
    """Bangs: a jagged fringe of strands across the forehead, down to the eyebrows."""
    return _FRINGE * (FACE_EDGE_AT_TEMPLE * look.face_width, 1) + (0, BANGS_Y)


def _hair_silhouette(a: dict[str, bool], look: Look) -> np.ndarray:
    """The outline of the hair over the skull, starting at its lowest point (so a top slice is contiguous)."""
    volume = (1 + 3 * look.hair_volume) if a["Male"] else (3 + 6 * look.hair_volume)
    radii = ((HEAD_RADIUS_X + volume) * look.face_width, HEAD_RADIUS_Y + volume)
    return ellipse(0, HEAD_CENTER_Y, *radii, start=math.pi / 2, end=2.5 * math.pi, points=36)


def _hair_end(look: Look) -> float:
    """Where a woman's hair ends: at the chin for a short bob, else on the shoulders or below the picture."""
    return 168 + 8 * look.hair_length if look.short_bob else 190 + 40 * look.hair_length
