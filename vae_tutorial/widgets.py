"""Sliders that change a face: an ipywidgets interface to a trained conditional VAE.

``FaceExplorer(model, images, conditions, attributes)`` shows a real face beside the face the
decoder draws from its latent vector ``z`` and its conditions. Choose a face (index slider, or the
"Random face" button) or a random ``z``; then move one slider per conditioned attribute (0 = off,
1 = on; values outside [0, 1] extrapolate) and a few sliders for the latent dimensions that vary
most across the faces. Each change decodes one face with ``models.decode`` (one call of the
decoder), which takes milliseconds on a CPU.

Hooks for tests and browser automation (stable CSS classes):

* ``vae-explorer`` — the whole interface;
* ``vae-face`` — the decoded face (an ``ipywidgets.Image`` holding PNG bytes);
* ``vae-original`` — the real face it started from;
* ``vae-slider-<Attribute>`` — the slider of each attribute, whose ``description`` is the attribute's
  name (e.g. ``vae-slider-Smiling``, description ``"Smiling"``);
* ``vae-slider-z<d>`` — the slider of latent dimension ``d``.

In Python: ``set(Smiling=1)`` and ``set_latent(d, value)`` move sliders, ``choose_face(i)`` and
``random_z()`` pick a starting point, ``render()`` redraws, ``face_png`` holds the current image and
``last_redraw_s`` how long the last redraw took.
"""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
import numpy as np
from PIL import Image

from . import models, plotting

ATTRIBUTE_RANGE = (-0.5, 1.5)
LATENT_RANGE = (-3.0, 3.0)


def to_png(image, size: int) -> bytes:
    """A float [0, 1] (or uint8) face as PNG bytes, enlarged to ``size`` pixels with bilinear filtering.
    Light compression: three times faster than PNG's default, which would take most of a redraw."""
    buffer = io.BytesIO()
    face = Image.fromarray(plotting.to_uint8(image)).resize((size, size), Image.BILINEAR)
    face.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _slider(description: str, value: float, bounds, step: float, css: str) -> widgets.FloatSlider:
    slider = widgets.FloatSlider(value=value, min=bounds[0], max=bounds[1], step=step, description=description,
                                 continuous_update=True, readout_format=".2f",
                                 style={"description_width": "110px"}, layout={"width": "340px"})
    slider.add_class(css)
    return slider


class FaceExplorer:
    """An interface to a CVAE's decoder: pick a face or a random ``z``, move attribute and latent
    sliders, see the face redrawn. ``images`` and ``conditions`` are the real faces to start from."""

    def __init__(self, model, images, conditions, attributes, n_latent_sliders: int = 4, size: int = 224,
                 seed: int = 0):
        self.model = model
        self.images = np.asarray(images)
        self.conditions = np.asarray(conditions, dtype="float32")
        self.attributes = list(attributes)
        self.size = size
        self.rng = np.random.default_rng(seed)
        self.latents = models.encode(model, self.images, self.conditions)
        self.last_redraw_s = 0.0
        self._holding = False
        # The latent dimensions that vary most across real faces get sliders: they carry the most.
        self.latent_dims = [int(d) for d in np.argsort(-self.latents.std(axis=0))[:n_latent_sliders]]
        self._build()
        self.choose_face(0)

    # -- the interface ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.face_slider = widgets.IntSlider(value=0, min=0, max=len(self.images) - 1, description="Face",
                                             continuous_update=False, layout={"width": "340px"})
        self.face_slider.observe(lambda change: self._holding or self.choose_face(change["new"]), names="value")
        random_face = widgets.Button(description="Random face", icon="random")
        random_face.on_click(lambda _: self.choose_face(int(self.rng.integers(len(self.images)))))
        random_z = widgets.Button(description="Random z", icon="dice")
        random_z.on_click(lambda _: self.random_z())

        self.sliders = {name: _slider(name, 0.0, ATTRIBUTE_RANGE, 0.05, f"vae-slider-{name}")
                        for name in self.attributes}
        self.latent_sliders = {d: _slider(f"z[{d}]", 0.0, LATENT_RANGE, 0.05, f"vae-slider-z{d}")
                               for d in self.latent_dims}
        for i, slider in enumerate(self.sliders.values()):
            slider.observe(lambda change, i=i: self._changed(self.c, i, change["new"]), names="value")
        for d, slider in self.latent_sliders.items():
            slider.observe(lambda change, d=d: self._changed(self.z, d, change["new"]), names="value")

        self.original = widgets.Image(format="png", width=self.size, height=self.size)
        self.original.add_class("vae-original")
        self.image = widgets.Image(format="png", width=self.size, height=self.size)
        self.image.add_class("vae-face")
        self.status = widgets.HTML()
        self.original_label = widgets.HTML()
        faces = widgets.HBox([
            widgets.VBox([self.original_label, self.original]),
            widgets.VBox([widgets.HTML("<b>decoded from z and the sliders</b>"), self.image, self.status]),
        ])
        controls = widgets.VBox([
            self.face_slider, widgets.HBox([random_face, random_z]),
            widgets.HTML("<b>attributes</b> (0 = off, 1 = on)"), *self.sliders.values(),
            widgets.HTML("<b>latent dimensions</b> (those that vary most)"), *self.latent_sliders.values(),
        ])
        self.widget = widgets.HBox([faces, controls])
        self.widget.add_class("vae-explorer")

    def _changed(self, vector: np.ndarray, position: int, value: float) -> None:
        vector[position] = value
        if not self._holding:
            self.render()

    def _show_state(self) -> None:
        """Move every slider to the current ``z`` and conditions, then redraw once."""
        self._holding = True
        try:
            for i, slider in enumerate(self.sliders.values()):
                slider.value = float(np.clip(self.c[i], *ATTRIBUTE_RANGE))
            for d, slider in self.latent_sliders.items():
                slider.value = float(np.clip(self.z[d], *LATENT_RANGE))
        finally:
            self._holding = False
        self.render()

    # -- what a reader (or a test) does -----------------------------------------------------------

    def choose_face(self, index: int) -> None:
        """Start from real face ``index``: its latent vector and its own attributes."""
        if not 0 <= index < len(self.images):
            raise IndexError(f"face index {index} is outside 0 … {len(self.images) - 1}.")
        self.z, self.c = self.latents[index].copy(), self.conditions[index].copy()
        self.original.value = to_png(self.images[index], self.size)
        self.original_label.value = f"<b>real face {index}</b>"
        self._holding = True
        self.face_slider.value = index
        self._holding = False
        self._show_state()

    def random_z(self) -> None:
        """Start from a new random latent vector (a face nobody has), keeping the attribute sliders."""
        self.z = self.rng.standard_normal(len(self.z)).astype("float32")
        self.original.value = to_png(np.full(self.images.shape[1:], 0.9, "float32"), self.size)
        self.original_label.value = "<b>random z: no real face</b>"
        self._show_state()

    def set(self, **values: float) -> None:
        """Move attribute sliders, e.g. ``set(Smiling=1, Eyeglasses=0)``; the face redraws."""
        unknown = set(values) - set(self.sliders)
        if unknown:
            raise KeyError(f"{sorted(unknown)} are not conditioned attributes; choose from {self.attributes}.")
        for name, value in values.items():
            self.sliders[name].value = value

    def set_latent(self, dimension: int, value: float) -> None:
        """Move the slider of latent dimension ``dimension`` (one of ``latent_dims``)."""
        if dimension not in self.latent_sliders:
            raise KeyError(f"latent dimension {dimension} has no slider; those with one are {self.latent_dims}.")
        self.latent_sliders[dimension].value = value

    def decode(self, z=None, c=None) -> np.ndarray:
        """A batch of faces (float in [0, 1]) from latent vectors and conditions (one or a batch of
        each); the current ``z`` and conditions stand in for what is not given."""
        z = np.atleast_2d(np.asarray(self.z if z is None else z, "float32"))
        c = np.atleast_2d(np.asarray(self.c if c is None else c, "float32"))
        n = max(len(z), len(c))
        return models.decode(self.model, np.broadcast_to(z, (n, z.shape[1])), np.broadcast_to(c, (n, c.shape[1])))

    def render(self) -> bytes:
        """Decode the current ``z`` and conditions into the face image; return its PNG bytes."""
        started = time.perf_counter()
        self.image.value = to_png(self.decode()[0], self.size)
        self.last_redraw_s = time.perf_counter() - started
        self.status.value = f"<small>redrawn in {1000 * self.last_redraw_s:.0f} ms</small>"
        return self.image.value

    @property
    def face_png(self) -> bytes:
        return self.image.value

    def sweep(self, attribute: str, values) -> np.ndarray:
        """The faces a slider's positions give (the current face, ``attribute`` set to each value):
        a static strip for pages that show no live widgets."""
        c = np.tile(self.c, (len(values), 1))
        c[:, self.attributes.index(attribute)] = values
        return self.decode(c=c)
