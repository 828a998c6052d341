"""Which attributes a face has: the fifteen drawn ones, sampled with CelebA-like rates and correlations."""

from __future__ import annotations

import numpy as np

from ..celeba import ATTRIBUTES

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


def checked(attributes: dict[str, bool]) -> dict[str, bool]:
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
