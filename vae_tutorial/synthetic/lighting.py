"""The last step of every face: soft directional light and a little sensor noise."""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image

from ..celeba import IMAGE_HEIGHT, IMAGE_WIDTH
from .look import LIGHT_DIRECTIONS, LIGHT_STRENGTHS, Look

NOISE_AMPLITUDE = 6  # sensor-like noise of ± this many 255ths of the brightness
_BLACK = Image.new("RGB", (IMAGE_WIDTH, IMAGE_HEIGHT))


def photograph(image: Image.Image, look: Look) -> Image.Image:
    """The picture under soft directional light, speckled with a little sensor noise."""
    return Image.composite(image, _BLACK, _light_field(look.light_direction, look.light_strength))


@functools.cache
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
