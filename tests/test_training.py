"""Training runs and the command line: what a run folder holds, resuming after a kill, distribution."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from vae_tutorial import runs, settings, synthetic, training
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
    refused = subprocess.run(_cli(faces, tmp_path / "other", "--distribute"), env=env, capture_output=True,
                             text=True, timeout=600)
    assert refused.returncode != 0 and "needs Keras' TensorFlow backend" in refused.stderr
