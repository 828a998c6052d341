"""The models: shapes, the sampling trick, the loss, saving and reloading, other backends."""

import importlib.util
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from vae_tutorial import models, settings

SIZE = 16  # tiny faces keep these tests fast


def _batch(n=8, n_conditions=3, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.random((n, SIZE, SIZE, 3), dtype=np.float32)
    conditions = (rng.random((n, n_conditions)) > 0.5).astype(np.float32)
    return images, conditions


@pytest.mark.parametrize("architecture", tuple(models.NETWORKS))
def test_cvae_parts_have_the_documented_inputs_and_outputs(architecture):
    model = models.build_cvae(SIZE, 4, n_conditions=3, architecture=architecture)
    images, conditions = _batch()
    z_mean, z_log_var, z = model.encoder([images, conditions])
    assert z_mean.shape == z_log_var.shape == z.shape == (8, 4)
    decoded = model.decoder.predict([keras.ops.convert_to_numpy(z), conditions], verbose=0)
    assert decoded.shape == images.shape
    assert decoded.min() >= 0 and decoded.max() <= 1
    assert set(model([images, conditions])) == {"z_mean", "z_log_var", "z", "reconstruction"}
    assert model.conditional


def test_autoencoder_and_vae_take_images_alone():
    images, _ = _batch()
    autoencoder, vae = models.build_autoencoder(SIZE, 2), models.build_vae(SIZE, 2)
    assert autoencoder.encoder(images).shape == (8, 2)
    assert len(vae.encoder(images)) == 3
    assert not autoencoder.conditional and not vae.conditional
    assert autoencoder(images)["reconstruction"].shape == vae(images)["reconstruction"].shape == images.shape


def test_sampling_draws_around_the_mean_while_training_and_returns_it_otherwise():
    sampling = models.Sampling(seed=1)
    z_mean = np.full((20000, 2), 3.0, dtype=np.float32)
    z_log_var = np.full((20000, 2), np.log(0.25), dtype=np.float32)  # σ = 0.5
    z = keras.ops.convert_to_numpy(sampling([z_mean, z_log_var], training=True))
    np.testing.assert_allclose(z.mean(axis=0), 3.0, atol=0.02)
    np.testing.assert_allclose(z.std(axis=0), 0.5, atol=0.02)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(sampling([z_mean, z_log_var])), z_mean)


def test_kl_is_zero_for_the_standard_normal_and_grows_away_from_it():
    zeros = np.zeros((4, 3), dtype=np.float32)
    assert float(models.kl_divergence(zeros, zeros)) == pytest.approx(0.0)
    # KL(N(1, 1) ‖ N(0, 1)) = ½ per dimension
    assert float(models.kl_divergence(zeros + 1, zeros)) == pytest.approx(1.5)


def test_loss_is_reconstruction_plus_beta_times_kl():
    model = models.build_cvae(SIZE, 4, n_conditions=3, beta=4.0)
    model.compile(keras.optimizers.Adam(1e-3))
    logs = model.test_on_batch(list(_batch()), return_dict=True)
    assert set(logs) == {"loss", "reconstruction", "kl", "mse"}
    assert logs["loss"] == pytest.approx(logs["reconstruction"] + 4.0 * logs["kl"], rel=1e-5)


@pytest.mark.parametrize("build", [
    lambda: models.build_cvae(SIZE, 4, n_conditions=3, architecture="deep", beta=2.0),
    lambda: models.build_autoencoder(SIZE, 2),
], ids=["cvae-deep", "autoencoder"])
def test_save_and_safe_reload_give_identical_decoder_outputs(tmp_path, build):
    model = build()
    model.compile(keras.optimizers.Adam(1e-3))
    images, conditions = _batch()
    model.train_on_batch([images, conditions] if model.conditional else images)  # weights and statistics move
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert type(reloaded) is type(model) and reloaded.name == model.name
    assert getattr(reloaded, "beta", None) == getattr(model, "beta", None)
    assert reloaded.optimizer.iterations == 1
    z = np.random.default_rng(1).standard_normal((5, model.decoder.inputs[0].shape[-1])).astype(np.float32)
    decoder_inputs = [z, conditions[:5]] if model.conditional else z
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(reloaded.decoder(decoder_inputs)),
                                  keras.ops.convert_to_numpy(model.decoder(decoder_inputs)))


def test_mixed_precision_keeps_codes_and_images_in_float32():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = models.build_cvae(SIZE, 4, n_conditions=3)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    outputs = model(list(_batch()))
    assert model.encoder.layers[1].compute_dtype == "float16"
    assert outputs["z"].dtype == outputs["reconstruction"].dtype == "float32"


@pytest.mark.parametrize("kwargs, message", [
    (dict(architecture="resnet"), "architecture='resnet'"),
    (dict(image_size=30), "image_size=30"),
    (dict(latent_dim=0), "latent_dim=0"),
    (dict(n_conditions=0), "n_conditions=0"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.build_cvae(**{"image_size": SIZE, "latent_dim": 4, "n_conditions": 3, **kwargs})


JAX_SCRIPT = textwrap.dedent("""
    import sys
    import keras
    import numpy as np
    from vae_tutorial import models

    assert keras.backend.backend() == "jax", keras.backend.backend()
    rng = np.random.default_rng(0)
    images = rng.random((8, 16, 16, 3), dtype=np.float32)
    conditions = (rng.random((8, 3)) > 0.5).astype(np.float32)
    model = models.build_cvae(16, 4, n_conditions=3)
    model.compile(keras.optimizers.Adam(1e-3))
    logs = model.train_on_batch([images, conditions], return_dict=True)
    assert all(np.isfinite(v) for v in logs.values()), logs
    print(model.name, sorted(logs))
    assert "tensorflow" not in sys.modules, "models.py must not need TensorFlow"
""")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed (pip install jax)")
def test_models_train_a_batch_on_the_jax_backend():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "cvae ['kl', 'loss', 'mse', 'reconstruction']"


def test_every_architecture_the_settings_offer_has_a_network():
    assert tuple(models.NETWORKS) == settings.ARCHITECTURES
