"""Synthetic CelebA: procedurally drawn, aligned faces written in CelebA's exact file layout.

CelebA cannot be downloaded everywhere (CI, Binder, offline laptops), so the tutorial's default data set is
drawn here: ``generate(root)`` writes ``img_align_celeba/000001.jpg …`` (178×218 RGB JPEGs, aligned like
CelebA's), ``list_attr_celeba.txt`` and ``list_eval_partition.txt`` in the official formats, so everything
downstream reads synthetic and real data through one code path.

Fifteen of CelebA's 40 attributes are drawn (``RENDERED``); every other attribute is -1 in every row.
Each image depends only on ``(seed, index)``: it has its own random generator, so image 17 is the same
whether 20 or 20,000 images are generated, and the same seed always gives byte-identical files.
"""

from __future__ import annotations

import colorsys
import functools
import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw
from tqdm.auto import tqdm

from .celeba import ATTRIBUTES, IMAGE_HEIGHT, IMAGE_WIDTH, PARTITIONS, write_attributes_txt, write_partition_txt

FORMAT_VERSION = 2  # bump whenever the drawing changes, so that older sets on disk are redrawn
MANIFEST_NAME = "synthetic_manifest.json"
IMAGE_DIR_NAME = "img_align_celeba"
ATTRIBUTES_FILE_NAME = "list_attr_celeba.txt"
PARTITION_FILE_NAME = "list_eval_partition.txt"
CELEBA_SPLIT_SIZES = (162_770, 19_867, 19_962)  # train, valid, test rows of the real data set

HAIR_COLOURS = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair")
PLAIN_FACE = ("No_Beard", "Young")  # the attributes draw_face takes as True when they are not given
_DRAWN = {"Bangs", "Eyeglasses", "Male", "Mouth_Slightly_Open", "Mustache", "No_Beard", "Pale_Skin", "Smiling",
          "Wearing_Hat", "Wearing_Lipstick", "Young", *HAIR_COLOURS}
RENDERED = tuple(name for name in ATTRIBUTES if name in _DRAWN)  # in CelebA's column order
CELEBA_RATES = {  # rough share of CelebA's images with each rendered attribute, for the README
    "Bangs": 0.15, "Black_Hair": 0.24, "Blond_Hair": 0.15, "Brown_Hair": 0.21, "Eyeglasses": 0.065,
    "Gray_Hair": 0.04, "Male": 0.42, "Mouth_Slightly_Open": 0.48, "Mustache": 0.04, "No_Beard": 0.83,
    "Pale_Skin": 0.04, "Smiling": 0.48, "Wearing_Hat": 0.05, "Wearing_Lipstick": 0.47, "Young": 0.77,
}

# --- Geometry, in the 178×218 frame of an aligned CelebA image: x is measured from the vertical centre line.
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

# --- Colours: each range is (one end, other end); a uniform draw picks a shade in between.
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

LIGHT_DIRECTIONS, LIGHT_STRENGTHS = 16, (0.06, 0.11, 0.16, 0.21)  # how much darker the far side is
NOISE_AMPLITUDE = 6  # sensor-like noise of ± this many 255ths of the brightness
GLASSES_SHAPES = (2.2, 2.8, 3.4, 4.0, 4.6)  # superellipse exponents: round … rectangular
LOOK_UNIFORMS = 48  # uniform numbers drawn for each face's look, whatever its attributes (38 are used)

# Unit curves reused by every face (computed once).
_LOWER_FACE = np.clip((OUTLINE_MASCULINE[:, 1] - 120) / 70, 0, 1)
_OLDER_OUTLINE_SHIFT = np.stack([3 * _LOWER_FACE * (OUTLINE_MASCULINE[:, 0] > 12), 2 * _LOWER_FACE], axis=1)
_EYELID_T = np.linspace(0, math.pi, 12)
_EYELID_UPPER = np.stack([-np.cos(_EYELID_T), -np.sin(_EYELID_T) ** 0.8], axis=1)
_EYELID_LOWER = np.stack([np.cos(_EYELID_T), 0.75 * np.sin(_EYELID_T)], axis=1)
_BROW_T = np.linspace(0, 1, 10)
_BROW_X = BROW_INNER_X + (BROW_OUTER_X - BROW_INNER_X) * np.concatenate([_BROW_T, _BROW_T[::-1]])
_BROW_BEND = np.sin(math.pi * (0.15 + 0.75 * _BROW_T))
_BROW_TAPER = 1.15 - 0.55 * _BROW_T
_MOUTH_U = np.linspace(-1, 1, 17)
_MOUTH_OPENING = 1 - _MOUTH_U**2
_MOUTH_BULGE = np.sqrt(_MOUTH_OPENING)
_UPPER_LIP_PROFILE = _MOUTH_BULGE * (1 - 0.3 * np.exp(-((_MOUTH_U / 0.15) ** 2)))  # with a cupid's bow
_MUSTACHE_DROOP = np.zeros((len(_MOUTH_U), 2))
_MUSTACHE_DROOP[[0, -1]] = [(-3, 3), (3, 3)]
_HAIRLINE_X = np.linspace(1, -1, 21)
_FRINGE_X = np.linspace(1, -1, 25)
_FRINGE = np.stack([_FRINGE_X, 3 * _FRINGE_X**4 - 1.8 * np.abs(np.sin(3 * math.pi * _FRINGE_X))], axis=1)


# ----------------------------------------------------------------------------------------------- attributes
def sample_attributes(rng: np.random.Generator) -> dict[str, bool]:
    """Draw one face's rendered attributes with CelebA-like base rates and correlations.

    Eyeglasses (~12 %) and Wearing_Hat (~10 %) are about twice as common as in CelebA, so that a
    5,000-image set holds enough of them to learn from; everything else follows CelebA's rates.
    """
    u = rng.random(13)
    male = u[0] < 0.42
    young = u[1] < 0.77
    smiling = u[2] < 0.48
    beard = male and u[3] < 0.40
    attributes = {
        "Male": male,
        "Young": young,
        "Smiling": smiling,
        "Mouth_Slightly_Open": u[4] < (0.70 if smiling else 0.25),
        "Eyeglasses": u[5] < (0.09 if young else 0.22),
        "Wearing_Hat": u[6] < 0.10,
        "Bangs": u[7] < (0.06 if male else 0.22),
        "Pale_Skin": u[8] < 0.04,
        "No_Beard": not beard,
        "Mustache": male and u[9] < (0.18 if beard else 0.04),
        "Wearing_Lipstick": u[10] < (0.01 if male else 0.80),
    }
    hair = _sample_hair_colour(male, young, u[11], u[12])
    attributes.update({name: name == hair for name in HAIR_COLOURS})
    return {name: bool(attributes[name]) for name in RENDERED}


def _sample_hair_colour(male: bool, young: bool, u_gray: float, u_colour: float) -> str | None:
    """Gray mostly on older faces; blond mostly on women, black a little more on men; else none of the four."""
    if u_gray < (0.006 if young else 0.15):
        return "Gray_Hair"
    shares = {"Blond_Hair": 0.03, "Black_Hair": 0.30, "Brown_Hair": 0.20} if male else {
        "Blond_Hair": 0.24, "Black_Hair": 0.20, "Brown_Hair": 0.24}
    for name, share in shares.items():
        if u_colour < share:
            return name
        u_colour -= share
    return None


# ------------------------------------------------------------------------------------------------- nuisances
@dataclass(frozen=True)
class _Look:
    """Everything about a face that its attributes leave open: pose, shapes, shades, lighting, background.
    Fields used by one attribute only (hat style, beard density …) are drawn for every face all the same."""

    dx: float
    dy: float
    scale: float
    tilt: float
    skin: tuple
    face_width: float
    face_length: float
    jaw: float  # where in its sex's range the jaw lies, from narrow to broad
    hair_shade: float
    hair_volume: float
    hair_length: float
    short_bob: bool
    parting: float
    eye_colour: tuple
    eye_size: float
    brow_arch: float
    lip_fullness: float
    lipstick: tuple
    mouth_width: float
    full_beard: bool
    glasses_shape: float
    glasses_colour: tuple
    sunglasses: bool
    hat_style: int
    hat_colour: tuple
    background: tuple  # one colour: the lighting gives it a gradient
    clothes: tuple
    light_direction: int  # one of LIGHT_DIRECTIONS
    light_strength: int  # index into LIGHT_STRENGTHS


def _sample_look(rng: np.random.Generator, a: dict[str, bool]) -> _Look:
    """Draw the nuisances from a fixed number of uniforms, so that attributes never shift the random stream."""
    take = iter(rng.random(LOOK_UNIFORMS).tolist()).__next__
    skin_tone = take() ** 1.6  # most faces light to medium, as in CelebA
    pale_shade = take()
    skin = _lerp(*PALE_SKIN, pale_shade) if a["Pale_Skin"] else _piecewise(SKIN_TONES, 0.12 + 0.88 * skin_tone)
    if not a["Young"]:
        skin = _lerp(skin, AGED_SKIN, 0.15)
    return _Look(
        dx=_symmetric(take(), MAX_SHIFT),
        dy=_symmetric(take(), MAX_SHIFT),
        scale=1 + _symmetric(take(), MAX_SCALE_CHANGE),
        tilt=math.radians(_symmetric(take(), MAX_TILT_DEGREES)),
        skin=skin,
        face_width=0.96 + 0.08 * take(),
        face_length=0.97 + 0.06 * take(),
        jaw=take(),
        hair_shade=take(),
        hair_volume=take(),
        hair_length=take(),
        short_bob=take() < 0.15,
        parting=_symmetric(take(), 18),
        eye_colour=EYE_COLOURS[int(take() * len(EYE_COLOURS))],
        eye_size=0.92 + 0.16 * take(),
        brow_arch=take(),
        lip_fullness=0.85 + 0.3 * take(),
        lipstick=LIPSTICK_COLOURS[int(take() * len(LIPSTICK_COLOURS))],
        mouth_width=_symmetric(take(), 1.5),
        full_beard=take() < 0.55,
        glasses_shape=GLASSES_SHAPES[int(take() * len(GLASSES_SHAPES))],
        glasses_colour=_hsv(take(), 0.5 * take(), 0.08 + 0.22 * take()),
        sunglasses=take() < 0.2,
        hat_style=int(take() * 3),
        hat_colour=_hsv(take(), 0.2 + 0.6 * take(), 0.2 + 0.65 * take()),
        background=_hsv(take(), 0.05 + 0.4 * take(), 0.25 + 0.65 * take()),
        clothes=_hsv(take(), 0.6 * take(), 0.15 + 0.7 * take()),
        light_direction=int(take() * LIGHT_DIRECTIONS),
        light_strength=int(take() * len(LIGHT_STRENGTHS)),
    )


# ------------------------------------------------------------------------------------------------- drawing
class _Pen:
    """Collects shapes given in the canonical face frame; ``render`` draws them all through the face's pose
    (shift, scale, tilt, supersampling) with one matrix product for every point."""

    def __init__(self, look: _Look):
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


def draw_face(attributes: dict[str, bool], rng: np.random.Generator) -> Image.Image:
    """Draw one aligned 178×218 face showing exactly the given attributes.

    ``attributes`` maps names from ``RENDERED`` to booleans; missing names are False, except those in
    ``PLAIN_FACE`` (a young face without a beard). Everything else (pose, skin tone, background, lighting …)
    comes from ``rng``, which is consumed by the same amount whatever the attributes: flipping one
    attribute with an equally seeded ``rng`` changes only what that attribute draws.
    """
    a = _checked(attributes)
    look = _sample_look(rng, a)
    pen = _Pen(look)
    hair = _hair_colour(a, look)
    outline = _face_outline(a, look)
    _draw_back_hair(pen, a, look, hair)
    _draw_neck_and_clothes(pen, a, look)
    if a["Male"]:
        _draw_ears(pen, look)  # women's ears are under their hair
    _draw_skin(pen, a, outline, look)
    if not a["Young"]:
        _draw_age_lines(pen, look)
    _draw_eyes(pen, a, look)
    _draw_brows(pen, a, look, hair)
    _draw_nose(pen, look)
    mouth = _mouth_shape(a, look)
    if not a["No_Beard"]:
        _draw_beard(pen, outline, mouth, look, hair)
    _draw_mouth(pen, a, look, mouth)
    if a["Mustache"]:
        _draw_mustache(pen, mouth, hair)
    _draw_front_hair(pen, a, look, hair)
    if a["Eyeglasses"]:
        _draw_glasses(pen, look)
    if a["Wearing_Hat"]:
        _draw_hat(pen, look)
    canvas = Image.new("RGB", (IMAGE_WIDTH * SUPERSAMPLING, IMAGE_HEIGHT * SUPERSAMPLING), look.background)
    pen.render(canvas)
    return _photograph(canvas.reduce(SUPERSAMPLING), look)


def _checked(attributes: dict[str, bool]) -> dict[str, bool]:
    """All rendered attributes as booleans; refuses unknown names, unrendered attributes set to True and
    two hair colours at once."""
    unknown = [name for name in attributes if name not in ATTRIBUTES]
    if unknown:
        raise ValueError(f"{unknown} are not CelebA attributes; the synthetic faces render {RENDERED}")
    unrendered = [name for name, value in attributes.items() if value and name not in RENDERED]
    if unrendered:
        raise ValueError(f"cannot draw {unrendered}: the synthetic faces render only {RENDERED}")
    a = {name: bool(attributes.get(name, name in PLAIN_FACE)) for name in RENDERED}
    if sum(a[name] for name in HAIR_COLOURS) > 1:
        raise ValueError(f"at most one of {HAIR_COLOURS} can be set")
    return a


def _hair_colour(a: dict[str, bool], look: _Look) -> tuple:
    """A shade of the face's hair colour category (auburn to ginger for none), greying a little with age."""
    category = next((name for name in HAIR_COLOURS if a[name]), None)
    colour = _lerp(*HAIR_SHADES[category], look.hair_shade)
    return colour if a["Young"] or category == "Gray_Hair" else _lerp(colour, GREYING, 0.15)


def _face_outline(a: dict[str, bool], look: _Look) -> np.ndarray:
    """The closed, smoothed outline of the face: broader jaw for men, fuller lower face when older."""
    jaw = 0.6 + 0.4 * look.jaw if a["Male"] else 0.4 * look.jaw
    half = (1 - jaw) * OUTLINE_FEMININE + jaw * OUTLINE_MASCULINE
    if not a["Young"]:
        half = half + _OLDER_OUTLINE_SHIFT
    half = half * (look.face_width, look.face_length) + (0, PIVOT_Y * (1 - look.face_length))
    return _outline_smoother() @ np.concatenate([half, half[-2:0:-1] * (-1, 1)])


def _draw_back_hair(pen: _Pen, a: dict[str, bool], look: _Look, hair: tuple) -> None:
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


def _draw_neck_and_clothes(pen: _Pen, a: dict[str, bool], look: _Look) -> None:
    """A shaded neck (broader for men) and shoulders in a plain top with a round neckline."""
    half_width = 25 if a["Male"] else 20
    neck_shadow = _shade(look.skin, 0.82)
    pen.fill([(-half_width, NECK_TOP_Y), (half_width, NECK_TOP_Y), (half_width + 2, 205), (0, 214),
              (-half_width - 2, 205)], neck_shadow)
    pen.fill(_ellipse(0, SHOULDER_Y + 52, 96, 52), look.clothes)
    pen.fill(_ellipse(0, SHOULDER_Y, half_width + 6, 11, start=0, end=math.pi, points=12), neck_shadow)


def _draw_ears(pen: _Pen, look: _Look) -> None:
    """Ears beside the eyes' level, with a shaded rim."""
    for side in (-1, 1):
        x = side * EAR_X * look.face_width
        rim = 0 if side > 0 else math.pi
        pen.fill(_ellipse(x, EAR_Y, 6, 12, points=20), _shade(look.skin, 0.92))
        pen.line(_ellipse(x, EAR_Y, 3, 8, start=rim - 1.2, end=rim + 1.2, points=8), _shade(look.skin, 0.7) + (150,), 1)


def _draw_skin(pen: _Pen, a: dict[str, bool], outline: np.ndarray, look: _Look) -> None:
    """The face, a little darker towards its edges, with shaded eye sockets and warm cheeks (raised by a smile)."""
    for shrink, shade in ((0.0, 0.94), (0.09, 1.0)):
        pen.fill(outline * (1 - shrink, 1 - shrink / 2) + (0, 120 * shrink / 2), _shade(look.skin, shade))
    cheek_y, cheek_alpha = (128, 40) if a["Smiling"] else (133, 22)
    for side in (-1, 1):
        pen.fill(_ellipse(side * 27, cheek_y, 11, 7, points=16), (220, 90, 90, cheek_alpha))
        pen.fill(_ellipse(side * EYE_X, EYE_Y - 2, 14, 8, points=16), (60, 30, 20, 26))


def _draw_age_lines(pen: _Pen, look: _Look) -> None:
    """Forehead lines, crow's feet, bags under the eyes and deep folds beside the nose, mouth and chin."""
    crease = _shade(look.skin, 0.5) + (190,)
    for y in (81, 86, 91):
        pen.line(_arc(-21, 21, y, -1.5), crease, 1.5)
    for side in (-1, 1):
        outer = side * (EYE_X + EYE_HALF_WIDTH + 2)
        crows_feet = [(outer + side * 6, EYE_Y - 2.5), (outer, EYE_Y), (outer + side * 6, EYE_Y + 0.5), (outer, EYE_Y),
                      (outer + side * 6, EYE_Y + 3.5)]
        pen.line(crows_feet, crease, 1.1)
        under_eye = _arc(side * EYE_X - 8, side * EYE_X + 8, EYE_Y + 4, 2.5)
        bag_bottom = _arc(side * EYE_X + 8, side * EYE_X - 8, EYE_Y + 4, 5.5)
        pen.fill(np.concatenate([under_eye, bag_bottom]), (70, 40, 40, 60))
        pen.line(bag_bottom, crease, 1.4)
        pen.line([(side * 12, 131), (side * 20, 146), (side * 22, 159)], crease, 2.2)
        pen.line([(side * 18, 162), (side * 17, 174)], crease, 1.8)


def _draw_eyes(pen: _Pen, a: dict[str, bool], look: _Look) -> None:
    """Almond-shaped eyes with iris, pupil and catch-light; women's with a darker liner and a flick."""
    size = (EYE_HALF_WIDTH * look.eye_size, EYE_HALF_HEIGHT * look.eye_size)
    liner = (28, 20, 18)
    for side in (-1, 1):
        cx = side * EYE_X
        upper = _EYELID_UPPER * (side * size[0], size[1]) + (cx, EYE_Y)  # inner corner → outer corner
        lower = _EYELID_LOWER * (side * size[0], size[1]) + (cx, EYE_Y)  # outer corner → inner corner
        pen.fill(np.concatenate([upper, lower]), SCLERA)
        pen.fill(_ellipse(cx, EYE_Y - 0.3, IRIS_RADIUS, IRIS_RADIUS, points=16), look.eye_colour)
        pen.fill(_ellipse(cx, EYE_Y - 0.3, 1.6, 1.6, points=10), (12, 10, 10))
        pen.fill(_ellipse(cx + 1.2, EYE_Y - 1.5, 0.8, 0.8, points=6), (250, 250, 250))
        pen.line(upper, liner, 1.3 if a["Male"] else 2.0)
        if not a["Male"]:
            pen.line([upper[-1], upper[-1] + (side * 2.5, -1.5)], liner, 1.4)  # a flick at the outer corner
        pen.line(lower[3:-3], _shade(look.skin, 0.7) + (140,), 0.8)


def _draw_brows(pen: _Pen, a: dict[str, bool], look: _Look, hair: tuple) -> None:
    """Thick, straighter brows for men, thinner arched ones for women, in a darkened hair colour."""
    thickness = 4.2 if a["Male"] else 2.6
    arch = (1.5 if a["Male"] else 3.0) + 1.5 * look.brow_arch
    colour = _lerp(hair, (45, 32, 26), 0.5)
    middle = BROW_Y - arch * _BROW_BEND + _BROW_T
    half_width = thickness / 2 * _BROW_TAPER
    y = np.concatenate([middle - half_width, (middle + half_width)[::-1]])
    for side in (-1, 1):
        pen.fill(np.stack([side * _BROW_X, y], axis=1), colour)


def _draw_nose(pen: _Pen, look: _Look) -> None:
    """A shadow down one side, the curve of the wings, nostrils and a highlight on the tip."""
    shadow = _shade(look.skin, 0.72)
    pen.line([(-5, EYE_Y - 2), (-6, 124), (-8, NOSE_TIP_Y - 3)], shadow + (90,), 1.6)
    pen.line(_arc(-9, 9, NOSE_TIP_Y + 1, 3.0), shadow + (170,), 1.4)
    for side in (-1, 1):
        pen.fill(_ellipse(side * 4.5, NOSE_TIP_Y + 1.5, 2.4, 1.3, points=10), _shade(look.skin, 0.45))
    pen.fill(_ellipse(0.5, NOSE_TIP_Y - 4, 3.0, 2.5, points=10), (255, 255, 255, 40))


@dataclass(frozen=True)
class _Mouth:
    """The four curves of the lips (arrays of (x, y), left to right), and whether the mouth is open."""

    upper_outer: np.ndarray
    upper_inner: np.ndarray
    lower_inner: np.ndarray
    lower_outer: np.ndarray
    half_width: float
    open: bool


def _mouth_shape(a: dict[str, bool], look: _Look) -> _Mouth:
    """Smiling widens the mouth and lifts its corners; an open mouth parts the lips."""
    smiling, open_ = a["Smiling"], a["Mouth_Slightly_Open"]
    half_width = (20.5 if smiling else 14.5) + look.mouth_width
    lift = 6.5 if smiling else 0.6
    gap = (7.5 if smiling else 5.0) if open_ else 0.0
    fullness = look.lip_fullness * (1.0 if a["Male"] else 1.15) * (1.0 if a["Young"] else 0.8)
    upper, lower = (2.4 if smiling else 3.2) * fullness, (3.4 if smiling else 4.4) * fullness
    centre = MOUTH_Y + (1.5 if smiling else 0) - lift * _MOUTH_U**2
    upper_inner = centre - 0.35 * gap * _MOUTH_OPENING
    lower_inner = centre + 0.65 * gap * _MOUTH_OPENING
    upper_outer = upper_inner - upper * _UPPER_LIP_PROFILE
    lower_outer = lower_inner + lower * _MOUTH_BULGE
    x = _MOUTH_U * half_width
    curves = (np.stack([x, y], axis=1) for y in (upper_outer, upper_inner, lower_inner, lower_outer))
    return _Mouth(*curves, half_width=half_width, open=open_)


def _draw_mouth(pen: _Pen, a: dict[str, bool], look: _Look, mouth: _Mouth) -> None:
    """Lips (red with lipstick), the dark opening and teeth when open, and smile creases when smiling."""
    lips = look.lipstick if a["Wearing_Lipstick"] else _lerp(look.skin, (168, 72, 78), 0.45)
    pen.fill(np.concatenate([mouth.upper_outer, mouth.lower_outer[::-1]]), lips)
    if mouth.open:
        pen.fill(np.concatenate([mouth.upper_inner, mouth.lower_inner[::-1]]), MOUTH_INSIDE)
        teeth_top = mouth.upper_inner[2:-2]
        depth = 0.55 if a["Smiling"] else 0.25
        teeth_bottom = teeth_top + (mouth.lower_inner[2:-2] - teeth_top) * (0, depth)
        pen.fill(np.concatenate([teeth_top, teeth_bottom[::-1]]), TEETH)
    else:
        pen.line(mouth.upper_inner, _shade(lips, 0.4), 1.8 if a["Smiling"] else 1.2)
    shine_y = mouth.lower_outer[len(_MOUTH_U) // 2, 1] - 1.8
    pen.fill(_ellipse(0, shine_y, mouth.half_width * 0.3, 1.0, points=10), (255, 255, 255, 50))
    if a["Smiling"]:
        crease = _shade(look.skin, 0.55) + (190,)
        for side, corner in ((-1, mouth.upper_inner[0]), (1, mouth.upper_inner[-1])):
            pen.line([(side * 11, NOSE_TIP_Y + 1), (side * (mouth.half_width + 1), MOUTH_Y - 6),
                      corner + (side * 3.5, 3)], crease, 1.8)
            pen.fill(_ellipse(*(corner + (side * 1.5, 0.5)), 1.6, 1.6, points=8), crease)  # dimples


def _draw_beard(pen: _Pen, outline: np.ndarray, mouth: _Mouth, look: _Look, hair: tuple) -> None:
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
    return _lerp(hair, (30, 22, 18), 0.35)


def _draw_mustache(pen: _Pen, mouth: _Mouth, hair: tuple) -> None:
    """A band of hair over the upper lip, reaching a little past and below the mouth's corners."""
    lower = mouth.upper_outer + _MUSTACHE_DROOP
    upper = lower.copy()
    upper[:, 1] -= 6 + 1.5 * _MOUTH_BULGE
    pen.fill(np.concatenate([upper, lower[::-1]]), _facial_hair_colour(hair))


def _draw_front_hair(pen: _Pen, a: dict[str, bool], look: _Look, hair: tuple) -> None:
    """The hair over the top of the head down to the hairline, or down to a fringe for Bangs."""
    silhouette = _hair_silhouette(a, look)
    sideburn = SIDEBURN_Y if a["Male"] else SIDEBURN_Y - 8
    edge = FACE_EDGE_AT_TEMPLE * look.face_width
    hairline = _fringe(look) if a["Bangs"] else _hairline(a, look)
    hairline = np.concatenate([[(edge, sideburn)], hairline, [(-edge, sideburn)]])
    pen.fill(np.concatenate([silhouette[silhouette[:, 1] < sideburn], hairline]), hair)
    parting = np.array([look.parting * 0.4, silhouette[:, 1].min() + 6])
    streak = _shade(hair, 0.7) + (80,)
    for end in hairline[3:-3:6] - (0, 4):
        pen.line([parting, parting + (end - parting) * (0.85, 0.35), end], streak, 1.0)


def _hairline(a: dict[str, bool], look: _Look) -> np.ndarray:
    """The forehead's upper edge from the right temple to the left: higher and receding on older men."""
    receding = a["Male"] and not a["Young"]
    apex = HAIRLINE_Y - (7 if receding else 0)
    reach = np.minimum(np.abs(_HAIRLINE_X - look.parting * 0.3 / TEMPLE_X), 1)
    y = apex + (TEMPLE_Y - apex) * reach ** (1.4 if receding else 2.4)
    return np.stack([_HAIRLINE_X * TEMPLE_X * look.face_width, y], axis=1)


def _fringe(look: _Look) -> np.ndarray:
    """Bangs: a jagged fringe of strands across the forehead, down to the eyebrows."""
    return _FRINGE * (FACE_EDGE_AT_TEMPLE * look.face_width, 1) + (0, BANGS_Y)


def _draw_glasses(pen: _Pen, look: _Look) -> None:
    """Bold frames round both eyes, a bridge and the arms towards the ears; sometimes dark lenses."""
    for side in (-1, 1):
        lens = _superellipse(look.glasses_shape) * (LENS_HALF_WIDTH, LENS_HALF_HEIGHT) + (side * EYE_X, EYE_Y + 0.5)
        pen.fill(lens, (20, 20, 24, 225) if look.sunglasses else (255, 255, 255, 28))
        pen.outline(lens, look.glasses_colour, 3.0)
        outer = side * (EYE_X + LENS_HALF_WIDTH)
        pen.line([(outer - side, EYE_Y - 4), (side * (EAR_X + 1), EYE_Y - 2)], look.glasses_colour, 2.4)
    inner = EYE_X - LENS_HALF_WIDTH
    pen.line(_arc(-inner - 1, inner + 1, EYE_Y - 3, -2, points=7), look.glasses_colour, 2.4)


def _draw_hat(pen: _Pen, look: _Look) -> None:
    """A beanie, a brimmed hat or a cap, covering the top of the head down to the forehead."""
    colour, band = look.hat_colour, _shade(look.hat_colour, 0.65)
    pen.fill(_ellipse(0, 88, HEAD_RADIUS_X + 9, 6), (0, 0, 0, 60))  # shadow on the forehead
    if look.hat_style == 0:  # beanie with a folded band
        pen.fill(_ellipse(0, 88, HEAD_RADIUS_X + 8, 54, start=math.pi, end=2 * math.pi), colour)
        pen.fill(np.concatenate([_arc(-61, 61, 76, -3), _arc(61, -61, 89, -3)]), band)
    elif look.hat_style == 1:  # brimmed hat
        crown = _superellipse(3.0) * (40, 28) + (0, 62)
        pen.fill(crown[crown[:, 1] <= 80], colour)
        pen.fill(np.concatenate([_arc(-40, 40, 70, 0), _arc(40, -40, 78, 0)]), band)
        pen.fill(_ellipse(0, 82, 78, 10), colour)
        pen.line(_ellipse(0, 82, 78, 10, start=0, end=math.pi, points=17), band, 1.5)
    else:  # cap with a visor
        pen.fill(_ellipse(0, 90, HEAD_RADIUS_X + 6, 52, start=math.pi, end=2 * math.pi), colour)
        pen.fill(_ellipse(0, 89, 44, 10, start=0, end=math.pi, points=17), band)


def _photograph(image: Image.Image, look: _Look) -> Image.Image:
    """The picture under soft directional light, speckled with a little sensor noise."""
    return Image.composite(image, _BLACK, _light_field(look.light_direction, look.light_strength))


_BLACK = Image.new("RGB", (IMAGE_WIDTH, IMAGE_HEIGHT))


@functools.lru_cache(maxsize=None)
def _light_field(direction: int, strength: int) -> Image.Image:
    """How much light reaches each pixel (255 = all): a linear falloff away from one side, plus fixed
    noise. Each of the LIGHT_DIRECTIONS × LIGHT_STRENGTHS fields is computed once, when first needed."""
    angle = 2 * math.pi * direction / LIGHT_DIRECTIONS
    x, y = np.linspace(-1, 1, IMAGE_WIDTH), np.linspace(-1, 1, IMAGE_HEIGHT)[:, None]
    shadow = LIGHT_STRENGTHS[strength] * (0.5 + 0.35 * (math.cos(angle) * x + math.sin(angle) * y))
    noise = np.random.default_rng([NOISE_AMPLITUDE, direction, strength]).integers(
        -NOISE_AMPLITUDE, NOISE_AMPLITUDE + 1, shadow.shape)
    field = np.rint((255 - NOISE_AMPLITUDE) * (1 - shadow)) + noise
    return Image.fromarray(field.clip(0, 255).astype(np.uint8))


# ------------------------------------------------------------------------------------- shapes and colours
def _hair_silhouette(a: dict[str, bool], look: _Look) -> np.ndarray:
    """The outline of the hair over the skull, starting at its lowest point (so a top slice is contiguous)."""
    volume = (1 + 3 * look.hair_volume) if a["Male"] else (3 + 6 * look.hair_volume)
    radii = ((HEAD_RADIUS_X + volume) * look.face_width, HEAD_RADIUS_Y + volume)
    return _ellipse(0, HEAD_CENTER_Y, *radii, start=math.pi / 2, end=2.5 * math.pi, points=36)


def _hair_end(look: _Look) -> float:
    """Where a woman's hair ends: at the chin for a short bob, else on the shoulders or below the picture."""
    return 168 + 8 * look.hair_length if look.short_bob else 190 + 40 * look.hair_length


def _ellipse(cx, cy, rx, ry, start=0.0, end=2 * math.pi, points=32) -> np.ndarray:
    return _unit_ellipse(start, end, points) * (rx, ry) + (cx, cy)


@functools.lru_cache(maxsize=None)
def _unit_ellipse(start: float, end: float, points: int) -> np.ndarray:
    t = np.linspace(start, end, points)
    return np.stack([np.cos(t), np.sin(t)], axis=1)


@functools.lru_cache(maxsize=None)
def _superellipse(exponent: float, points: int = 36) -> np.ndarray:
    """A unit rounded rectangle for exponents around 4, a unit circle at 2."""
    t = np.linspace(0, 2 * math.pi, points, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    return np.stack([np.sign(c) * np.abs(c) ** (2 / exponent), np.sign(s) * np.abs(s) ** (2 / exponent)], axis=1)


def _arc(x0, x1, y, sag, points=9) -> np.ndarray:
    """A parabola from x0 to x1 at height y whose middle sags by ``sag`` (negative: bulges up)."""
    return _unit_parabola(points) * (x1 - x0, sag) + (x0, y)


@functools.lru_cache(maxsize=None)
def _unit_parabola(points: int) -> np.ndarray:
    u = np.linspace(-1, 1, points)
    return np.stack([(u + 1) / 2, 1 - u**2], axis=1)


def _chaikin(points: np.ndarray) -> np.ndarray:
    """One round of Chaikin corner cutting of a closed polygon (rows are points)."""
    following = np.roll(points, -1, axis=0)
    cut = np.stack([0.75 * points + 0.25 * following, 0.25 * points + 0.75 * following], axis=1)
    return cut.reshape(-1, points.shape[1])


@functools.lru_cache(maxsize=None)
def _outline_smoother() -> np.ndarray:
    """Chaikin smoothing of the mirrored face outline, as one matrix (the smoothing is linear)."""
    return _chaikin(np.eye(2 * len(OUTLINE_FEMININE) - 2))


def _lerp(a, b, t: float) -> tuple:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _piecewise(stops: np.ndarray, t: float) -> tuple:
    position = t * (len(stops) - 1)
    i = min(int(position), len(stops) - 2)
    return _lerp(stops[i], stops[i + 1], position - i)


def _shade(colour, factor: float) -> tuple:
    return tuple(min(255, round(c * factor)) for c in colour[:3])


def _hsv(h: float, s: float, v: float) -> tuple:
    return tuple(round(255 * c) for c in colorsys.hsv_to_rgb(h % 1.0, min(s, 1.0), min(v, 1.0)))


def _symmetric(u: float, half_range: float) -> float:
    return (2 * u - 1) * half_range


# ------------------------------------------------------------------------------------------ the data set
def face_rng(seed: int, index: int) -> np.random.Generator:
    """The random generator of image ``index`` (0-based) of the set made with ``seed``."""
    return np.random.default_rng([seed, index])


def sample_face(seed: int, index: int) -> tuple[dict[str, bool], Image.Image]:
    """Image ``index`` of the set made with ``seed``, in memory (before JPEG), with its attributes."""
    attributes, image, _ = _face_record(seed, index)
    return attributes, image


def _face_record(seed: int, index: int) -> tuple[dict[str, bool], Image.Image, int]:
    rng = face_rng(seed, index)
    attributes = sample_attributes(rng)
    image = draw_face(attributes, rng)
    return attributes, image, int(rng.integers(75, 96))


def partition_sizes(n: int) -> tuple[int, int, int]:
    """CelebA's train/valid/test proportions scaled to ``n`` images (the test split takes the rest)."""
    total = sum(CELEBA_SPLIT_SIZES)
    train, valid = (round(n * size / total) for size in CELEBA_SPLIT_SIZES[:2])
    return train, valid, n - train - valid


def image_name(index: int) -> str:
    """CelebA's file name of image ``index`` (0-based): ``000001.jpg`` for index 0."""
    return f"{index + 1:06d}.jpg"


def generate(root: str | Path, n: int = 5000, seed: int = 0, progress: bool = True) -> Path:
    """Write ``n`` synthetic faces into ``root`` in CelebA's flat layout and return ``root``.

    Returns at once when ``root`` already holds the complete set for this ``n`` and ``seed``; a partial or
    different set that this function wrote is replaced. Refuses to touch a folder it did not write.
    """
    root = Path(root)
    if n < 1:
        raise ValueError(f"n={n} must be a positive number of images")
    wanted = {"format_version": FORMAT_VERSION, "n": n, "seed": seed}
    if _manifest(root) == {**wanted, "complete": True} and _files_present(root, n):
        return root
    _refuse_foreign_files(root)
    _write_manifest(root, {**wanted, "complete": False})
    _remove_earlier_set(root)
    image_dir = root / IMAGE_DIR_NAME
    image_dir.mkdir(parents=True)
    names = [image_name(i) for i in range(n)]
    rows = []
    for index in tqdm(range(n), desc="Drawing synthetic faces", unit="img", disable=not progress):
        attributes, image, quality = _face_record(seed, index)
        image.save(image_dir / names[index], "JPEG", quality=quality)
        rows.append(attributes)
    frame = pd.DataFrame(rows, index=pd.Index(names, name="image_id")).astype(int)
    frame = frame.reindex(columns=list(ATTRIBUTES), fill_value=0)
    write_attributes_txt(root / ATTRIBUTES_FILE_NAME, frame)
    split = np.repeat(PARTITIONS, partition_sizes(n))
    write_partition_txt(root / PARTITION_FILE_NAME, pd.Series(split, index=frame.index, name="partition"))
    (root / "README.md").write_text(_readme(frame, seed))
    _write_manifest(root, {**wanted, "complete": True})
    return root


def _manifest(root: Path) -> dict | None:
    try:
        return json.loads((root / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None


def _write_manifest(root: Path, content: dict) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST_NAME).write_text(json.dumps(content, indent=2) + "\n")


def _files_present(root: Path, n: int) -> bool:
    image_dir = root / IMAGE_DIR_NAME
    return (
        (root / ATTRIBUTES_FILE_NAME).is_file()
        and (root / PARTITION_FILE_NAME).is_file()
        and image_dir.is_dir()
        and sum(1 for _ in image_dir.iterdir()) == n
    )


_WRITTEN = (IMAGE_DIR_NAME, ATTRIBUTES_FILE_NAME, PARTITION_FILE_NAME, "README.md")


def _refuse_foreign_files(root: Path) -> None:
    """Raise if ``root`` holds CelebA-like files but no manifest of ours (it may be real data)."""
    present = [name for name in _WRITTEN if (root / name).exists()]
    if present and _manifest(root) is None:
        raise FileExistsError(
            f"{root} holds {present} but no {MANIFEST_NAME}: it does not look like a synthetic set written by "
            "vae_tutorial.synthetic.generate, so it is left alone. Pick an empty folder."
        )


def _remove_earlier_set(root: Path) -> None:
    shutil.rmtree(root / IMAGE_DIR_NAME, ignore_errors=True)
    for name in _WRITTEN[1:]:
        (root / name).unlink(missing_ok=True)


def _readme(frame: pd.DataFrame, seed: int) -> str:
    """What this folder is, which attributes show in the pictures, and how often."""
    rates = "\n".join(f"| {name} | {frame[name].mean():.1%} | ~{100 * CELEBA_RATES[name]:g}% |" for name in RENDERED)
    constant = ", ".join(name for name in ATTRIBUTES if name not in RENDERED)
    return f"""# Synthetic CelebA-like faces

These {len(frame):,} faces are **synthetic**, not photographs of people: they were drawn by
`vae_tutorial.synthetic.generate(root, n={len(frame)}, seed={seed})`. They copy CelebA's file layout and
formats (178×218 aligned JPEGs, `list_attr_celeba.txt`, `list_eval_partition.txt` with CelebA's
80.3 / 9.8 / 9.9 % train / valid / test split) so that the tutorial runs the same code on them as on the
real data set.

## Attributes drawn in the pictures

| attribute | share of these images | share in CelebA |
|---|---|---|
{rates}

Eyeglasses and Wearing_Hat are about twice as common as in CelebA, so that a small set holds enough examples
of each to learn from. Mustache and beards (No_Beard = -1) appear only on Male faces, lipstick almost only on
women, gray hair mostly on older faces; smiling faces more often have their mouth open. Faces with none of
the four hair colours have auburn, copper or ginger hair.

## Attributes that are never drawn

These are -1 in every row of `list_attr_celeba.txt`: {constant}.
"""
