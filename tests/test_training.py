"""Training runs and the command line: what a run folder holds, resuming after a kill, distribution."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pandas as pd
import pytest
from keras import layers, ops

from vae_tutorial import locking, runs, settings, synthetic, training
from vae_tutorial.__main__ import main

TINY = dict(image_size=16, batch_size=8, latent_dim=4, attributes=("Smiling", "Eyeglasses"))
CLI_TINY = ["--image-size", "16", "--batch-size", "8", "--latent-dim", "4", "--attributes", "Smiling,Eyeglasses"]


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    """200 synthetic faces in CelebA's layout (160 for training)."""
    return synthetic.generate(tmp_path_factory.mktemp("faces"), n=200, seed=0, progress=False)


@pytest.fixture()
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(settings.ENV_PREFIX):
            monkeypatch.delenv(name)


def _history(run_dir) -> pd.DataFrame:
    return pd.read_csv(run_dir / runs.HISTORY_FILE)


def _cli(faces, run_dir, *options):
    return [sys.executable, "-m", "vae_tutorial", "train", "--data", str(faces), "--out", str(run_dir), *CLI_TINY,
            *options]


def test_a_run_folder_holds_model_history_samples_and_settings(faces, tmp_path, clean_env, capsys):
    run_dir = tmp_path / "run"
    S = settings.load(epochs=2, **TINY)
    model = training.train(S, faces, run_dir, progress="epochs")
    out = capsys.readouterr().out
    assert "training images per epoch" in out and "rough time" in out and "Epoch 2/2" in out
    assert list(_history(run_dir)["epoch"]) == [0, 1]
    assert {"loss", "reconstruction", "kl", "mse", "val_mse"} <= set(_history(run_dir))
    assert sorted(p.name for p in (run_dir / "samples").iterdir()) == ["epoch_001.png", "epoch_002.png"]
    assert (run_dir / "model.keras").exists() and (run_dir / "settings.json").exists()
    assert runs.finished_epochs(run_dir) == 2 and (run_dir / runs.CHECKPOINT_FILE).exists()
    assert json.loads((run_dir / runs.NETWORK_FILE).read_text()) == runs.network(model)
    if training._HAS_TENSORBOARD:
        assert any((run_dir / "logs").rglob("events.out.tfevents.*"))

    again = training.train(S, faces, run_dir, progress="epochs")  # finished: loaded, not retrained
    assert "already holds a run of 2 epochs" in capsys.readouterr().out
    assert list(_history(run_dir)["epoch"]) == [0, 1]
    z = np.zeros((2, 4), np.float32)
    conditions = np.eye(2, dtype=np.float32)
    np.testing.assert_allclose(again.decoder.predict([z, conditions], verbose=0),
                               model.decoder.predict([z, conditions], verbose=0), atol=1e-6)

    with pytest.raises(ValueError, match="latent_dim=4"):
        training.train(S.replace(latent_dim=8), faces, run_dir)


def test_a_killed_run_continues_where_it_stopped(faces, tmp_path, clean_env):
    run_dir, epochs = tmp_path / "run", 5
    command = _cli(faces, run_dir, "--epochs", str(epochs))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    history = run_dir / runs.HISTORY_FILE
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        if history.exists() and history.read_text().count("\n") >= 3:  # header + two finished epochs
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    returncode = process.wait(timeout=60)
    assert returncode == -signal.SIGKILL, process.stderr.read().decode()[-3000:]
    assert not (run_dir / runs.MODEL_FILE).exists()
    killed_after = _history(run_dir)["epoch"].nunique()
    assert 2 <= killed_after < epochs

    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resuming after epoch" in result.stdout
    assert list(_history(run_dir)["epoch"]) == list(range(epochs))
    assert len(list((run_dir / "samples").glob("epoch_*.png"))) == epochs
    assert (run_dir / runs.MODEL_FILE).exists()


class ReadersCVAE(keras.Model):
    """A CVAE written the way notebook 03 writes it: a class the package does not know, whose encoder
    returns [z_mean, z_log_var] and whose call does the sampling."""

    def __init__(self, encoder, decoder, beta, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.beta = encoder, decoder, beta
        self.noise = keras.random.SeedGenerator(0)

    def call(self, inputs, training=False):
        images, conditions = inputs
        z_mean, z_log_var = self.encoder([images, conditions])
        z = z_mean + ops.exp(0.5 * z_log_var) * keras.random.normal(ops.shape(z_mean), seed=self.noise) \
            if training else z_mean
        return {"z_mean": z_mean, "z_log_var": z_log_var, "reconstruction": self.decoder([z, conditions])}

    def compute_loss(self, x, y=None, y_pred=None, sample_weight=None, training=True):
        pixels = keras.losses.binary_crossentropy(x[0][..., None], y_pred["reconstruction"][..., None])
        kl = -0.5 * (1 + y_pred["z_log_var"] - ops.square(y_pred["z_mean"]) - ops.exp(y_pred["z_log_var"]))
        return ops.mean(ops.sum(pixels, axis=(1, 2, 3)) + self.beta * ops.sum(kl, axis=-1))


def readers_cvae(S, filters: int) -> ReadersCVAE:
    """The article's network with ``filters`` in the first convolution (the package has 32)."""
    images, conditions = keras.Input((S.image_size, S.image_size, 3)), keras.Input((len(S.attributes),))
    x = layers.MaxPooling2D(2)(layers.Conv2D(filters, 3, padding="same", activation="relu")(images))
    x = layers.MaxPooling2D(2)(layers.Conv2D(64, 3, padding="same", activation="relu")(x))
    x = layers.Concatenate()([layers.Flatten()(x), conditions])
    encoder = keras.Model([images, conditions], [layers.Dense(S.latent_dim)(x), layers.Dense(S.latent_dim)(x)])
    z, c = keras.Input((S.latent_dim,)), keras.Input((len(S.attributes),))
    side = S.image_size // 4
    y = layers.Dense(side * side * 64, activation="relu")(layers.Concatenate()([z, c]))
    y = layers.Reshape((side, side, 64))(y)
    y = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(y)
    decoder = keras.Model([z, c], layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="sigmoid")(y))
    model = ReadersCVAE(encoder, decoder, S.beta)
    model.compile(optimizer="adam")
    return model


LOAD_ELSEWHERE = textwrap.dedent("""
    import sys
    import numpy as np
    from vae_tutorial import runs

    model = runs.load_run(sys.argv[1])
    z, conditions = np.zeros((1, 4), "float32"), np.array([[1, 0]], "float32")
    print(type(model).__name__, model.encoder.layers[1].filters, float(model.decoder([z, conditions]).numpy().sum()))
""")


def test_a_changed_network_trained_with_fit_loads_without_its_code(faces, tmp_path, clean_env, capsys):
    S = settings.load(epochs=1, **TINY)
    run_dir = tmp_path / "run"
    train, valid = training.datasets(faces, S)
    model = readers_cvae(S, filters=16)
    model.fit(train, validation_data=valid, epochs=S.epochs, initial_epoch=runs.resume(run_dir, model),
              callbacks=training.callbacks(run_dir, S), shuffle=False, verbose=0)
    assert runs.is_finished(run_dir) and list(_history(run_dir)["epoch"]) == [0]
    with locking.exclusive(run_dir.with_name("run.lock"), "the test"):  # fit let go of the run folder's lock
        pass
    z, conditions = np.zeros((1, 4), "float32"), np.array([[1, 0]], "float32")
    expected = float(np.asarray(model.decoder([z, conditions])).sum())
    loaded = subprocess.run([sys.executable, "-c", LOAD_ELSEWHERE, str(run_dir)], capture_output=True, text=True,
                            timeout=240)  # a fresh process: the reader's class is unknown there
    name, filters, total = loaded.stdout.split()
    assert (name, filters) == ("VAE", "16") and float(total) == pytest.approx(expected, rel=1e-5), loaded.stderr

    with pytest.raises(ValueError, match=r"initial_epoch=runs.resume\(run_dir, model\)"):
        model.fit(train, epochs=2, callbacks=training.callbacks(run_dir, S), shuffle=False, verbose=0)  # not 0

    package = training.train(S, faces, run_dir.with_name("other"), progress="none")
    capsys.readouterr()
    again = readers_cvae(S, filters=32)  # the package's network, trained by the reader's class: resumable there
    assert runs.network(again) == runs.network(package)
    assert runs.resume(run_dir, again) == 0  # the reader's 16-filter run is moved aside, named after its network
    moved = capsys.readouterr().out
    assert "held a run of another network (encoder layer 1: filters=16" in moved and "from scratch" in moved
    aside = run_dir.with_name(f"run.net-{runs.fingerprint(runs.network(model))}")
    assert runs.is_finished(aside) and not runs.is_finished(run_dir)
    assert runs.resume(run_dir, model) == 1 and "continuing this network's earlier run" in capsys.readouterr().out


DISTRIBUTED = textwrap.dedent("""
    import sys
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from vae_tutorial.__main__ import main

    sys.exit(main(sys.argv[1:]))
""")


def test_distribute_trains_on_two_logical_cpus(faces, tmp_path, clean_env):
    run_dir = tmp_path / "run"
    command = _cli(faces, run_dir, "--epochs", "1", "--distribute", "--beta", "2")
    result = subprocess.run([sys.executable, "-c", DISTRIBUTED, *command[3:]], capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "CPU:0, CPU:1" in result.stdout
    row = _history(run_dir).iloc[0]
    # Each replica reports its share of the loss; summed over both it is the whole loss again.
    assert row["loss"] == pytest.approx(row["reconstruction"] + 2 * row["kl"], rel=1e-4)


def test_cli_explains_its_options_and_names_bad_values(faces, tmp_path, clean_env, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for option in ("--data", "--out", "--image-size", "--epochs", "--attributes", "--limit", "--precision",
                   "--jit", "--distribute"):
        assert option in out
    assert main(["train", "--data", str(faces), "--out", str(tmp_path), "--attributes", "Smiling,Smiley"]) == 2
    assert "Smiley" in capsys.readouterr().err


def test_the_jax_backend_trains_from_the_same_cache(faces, tmp_path, clean_env):
    run_dir = tmp_path / "jax_run"
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    done = subprocess.run(_cli(faces, run_dir, "--epochs", "1"), env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "device(s)       CPU:0 (no GPU found)" in done.stdout
    assert (run_dir / runs.MODEL_FILE).exists() and len(_history(run_dir)) == 1
    # --distribute on JAX: tests/test_jax_devices.py
