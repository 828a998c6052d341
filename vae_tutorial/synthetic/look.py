"""Everything about a face that its attributes leave open, drawn from the face's own random generator."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .colours import AGED_SKIN, EYE_COLOURS, LIPSTICK_COLOURS, PALE_SKIN, SKIN_TONES, hsv, lerp, piecewise
from .geometry import MAX_SCALE_CHANGE, MAX_SHIFT, MAX_TILT_DEGREES

LIGHT_DIRECTIONS, LIGHT_STRENGTHS = 16, (0.06, 0.11, 0.16, 0.21)  # how much darker the far side is
GLASSES_SHAPES = (2.2, 2.8, 3.4, 4.0, 4.6)  # superellipse exponents: round … rectangular
LOOK_UNIFORMS = 48  # uniform numbers drawn for each face's look, whatever its attributes (38 are used)


@dataclass(frozen=True)
class Look:
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


def sample_look(rng: np.random.Generator, a: dict[str, bool]) -> Look:
    """Draw the nuisances from a fixed number of uniforms, so that attributes never shift the random stream."""
    take = iter(rng.random(LOOK_UNIFORMS).tolist()).__next__
    skin_tone = take() ** 1.6  # most faces light to medium, as in CelebA
    pale_shade = take()
    skin = lerp(*PALE_SKIN, pale_shade) if a["Pale_Skin"] else piecewise(SKIN_TONES, 0.12 + 0.88 * skin_tone)
    if not a["Young"]:
        skin = lerp(skin, AGED_SKIN, 0.15)
    return Look(
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
        glasses_colour=hsv(take(), 0.5 * take(), 0.08 + 0.22 * take()),
        sunglasses=take() < 0.2,
        hat_style=int(take() * 3),
        hat_colour=hsv(take(), 0.2 + 0.6 * take(), 0.2 + 0.65 * take()),
        background=hsv(take(), 0.05 + 0.4 * take(), 0.25 + 0.65 * take()),
        clothes=hsv(take(), 0.6 * take(), 0.15 + 0.7 * take()),
        light_direction=int(take() * LIGHT_DIRECTIONS),
        light_strength=int(take() * len(LIGHT_STRENGTHS)),
    )


def _symmetric(u: float, half_range: float) -> float:
    return (2 * u - 1) * half_range
