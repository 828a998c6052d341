"""``draw_face``: one aligned face showing exactly the given attributes, drawn part by part, back to front."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..celeba import IMAGE_HEIGHT, IMAGE_WIDTH
from .accessories import draw_glasses, draw_hat
from .attributes import checked
from .face_parts import draw_age_lines, draw_brows, draw_ears, draw_eyes, draw_neck_and_clothes, draw_nose, draw_skin
from .geometry import OUTLINE_FEMININE, OUTLINE_MASCULINE, PIVOT_Y, SUPERSAMPLING, outline_smoother
from .hair import draw_back_hair, draw_beard, draw_front_hair, draw_mustache, hair_colour
from .lighting import photograph
from .look import Look, sample_look
from .mouth import draw_mouth, mouth_shape
from .pen import Pen

_LOWER_FACE = np.clip((OUTLINE_MASCULINE[:, 1] - 120) / 70, 0, 1)
_OLDER_OUTLINE_SHIFT = np.stack([3 * _LOWER_FACE * (OUTLINE_MASCULINE[:, 0] > 12), 2 * _LOWER_FACE], axis=1)


def draw_face(attributes: dict[str, bool], rng: np.random.Generator) -> Image.Image:
    """Draw one aligned 178×218 face showing exactly the given attributes.

    ``attributes`` maps names from ``RENDERED`` to booleans; missing names are False, except those in
    ``PLAIN_FACE`` (a young face without a beard). Everything else (pose, skin tone, background, lighting …)
    comes from ``rng``, which is consumed by the same amount whatever the attributes: flipping one
    attribute with an equally seeded ``rng`` changes only what that attribute draws.
    """
    a = checked(attributes)
    look = sample_look(rng, a)
    pen = Pen(look)
    hair = hair_colour(a, look)
    outline = _face_outline(a, look)
    draw_back_hair(pen, a, look, hair)
    draw_neck_and_clothes(pen, a, look)
    if a["Male"]:
        draw_ears(pen, look)  # women's ears are under their hair
    draw_skin(pen, a, outline, look)
    if not a["Young"]:
        draw_age_lines(pen, look)
    draw_eyes(pen, a, look)
    draw_brows(pen, a, look, hair)
    draw_nose(pen, look)
    mouth = mouth_shape(a, look)
    if not a["No_Beard"]:
        draw_beard(pen, outline, mouth, look, hair)
    draw_mouth(pen, a, look, mouth)
    if a["Mustache"]:
        draw_mustache(pen, mouth, hair)
    draw_front_hair(pen, a, look, hair)
    if a["Eyeglasses"]:
        draw_glasses(pen, look)
    if a["Wearing_Hat"]:
        draw_hat(pen, look)
    canvas = Image.new("RGB", (IMAGE_WIDTH * SUPERSAMPLING, IMAGE_HEIGHT * SUPERSAMPLING), look.background)
    pen.render(canvas)
    return photograph(canvas.reduce(SUPERSAMPLING), look)


def _face_outline(a: dict[str, bool], look: Look) -> np.ndarray:
    """The closed, smoothed outline of the face: broader jaw for men, fuller lower face when older."""
    jaw = 0.6 + 0.4 * look.jaw if a["Male"] else 0.4 * look.jaw
    half = (1 - jaw) * OUTLINE_FEMININE + jaw * OUTLINE_MASCULINE
    if not a["Young"]:
        half = half + _OLDER_OUTLINE_SHIFT
    half = half * (look.face_width, look.face_length) + (0, PIVOT_Y * (1 - look.face_length))
    return outline_smoother() @ np.concatenate([half, half[-2:0:-1] * (-1, 1)])
