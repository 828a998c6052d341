import io

import keras
import numpy as np
import pytest
from PIL import Image

from vae_tutorial import models, widgets

ATTRIBUTES = ["Smiling", "Eyeglasses", "Male"]
N_FACES = 6


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return models.build_cvae(image_size=8, latent_dim=4, n_conditions=len(ATTRIBUTES))


@pytest.fixture
def explorer(model):
    rng = np.random.default_rng(0)
    images = rng.random((N_FACES, 8, 8, 3)).astype("float32")
    conditions = (rng.random((N_FACES, len(ATTRIBUTES))) > 0.5).astype("float32")
    return widgets.FaceExplorer(model, images, conditions, ATTRIBUTES, n_latent_sliders=2, size=40)


def test_moving_the_smiling_slider_redraws_the_face(explorer):
    before = explorer.face_png
    explorer.sliders["Smiling"].value = 1.5
    assert explorer.c[0] == 1.5
    assert explorer.face_png != before
    assert 0 < explorer.last_redraw_s < 1


def test_set_moves_sliders_and_names_valid_attributes(explorer):
    explorer.set(Smiling=0.25, Eyeglasses=1.0)
    assert (explorer.sliders["Smiling"].value, explorer.sliders["Eyeglasses"].value) == (0.25, 1.0)
    with pytest.raises(KeyError, match="Eyeglasses"):
        explorer.set(Smile=1)


def test_latent_sliders_move_z_and_redraw(explorer):
    d = explorer.latent_dims[0]
    before = explorer.face_png
    explorer.set_latent(d, -2.5)
    assert explorer.z[d] == -2.5 and explorer.face_png != before
    missing = next(i for i in range(4) if i not in explorer.latent_dims)
    with pytest.raises(KeyError, match="has no slider"):
        explorer.set_latent(missing, 1.0)


def test_choosing_a_face_shows_its_own_attributes_and_latents(explorer):
    explorer.face_slider.value = 4
    np.testing.assert_array_equal(explorer.c, explorer.conditions[4])
    np.testing.assert_array_equal(explorer.z, explorer.latents[4])
    assert [s.value for s in explorer.sliders.values()] == list(explorer.conditions[4])
    explorer.choose_face(2)
    assert explorer.face_slider.value == 2
    with pytest.raises(IndexError, match="0 … 5"):
        explorer.choose_face(N_FACES)


def test_random_z_keeps_the_attributes(explorer):
    c, z, before = explorer.c.copy(), explorer.z.copy(), explorer.face_png
    explorer.random_z()
    np.testing.assert_array_equal(explorer.c, c)
    assert not np.array_equal(explorer.z, z) and explorer.face_png != before


def test_hooks_for_the_browser_test(explorer):
    assert "vae-face" in explorer.image._dom_classes
    assert "vae-explorer" in explorer.widget._dom_classes
    smiling = explorer.sliders["Smiling"]
    assert smiling.description == "Smiling" and "vae-slider-Smiling" in smiling._dom_classes


def test_face_is_an_enlarged_png(explorer):
    image = Image.open(io.BytesIO(explorer.render()))
    assert (image.format, image.size) == ("PNG", (40, 40))


def test_sweep_gives_one_face_per_slider_position(explorer):
    faces = explorer.sweep("Smiling", [0.0, 0.5, 1.0])
    assert faces.shape == (3, 8, 8, 3) and 0 <= faces.min() and faces.max() <= 1
    assert not np.allclose(faces[0], faces[2])
    np.testing.assert_allclose(faces[1], explorer.decode(c=[0.5, *explorer.c[1:]])[0], atol=1e-6)
