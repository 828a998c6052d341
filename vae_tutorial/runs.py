"""The run folder: where one trained CVAE lives, and the one place that knows its format.

    model.keras            the trained CVAE, written when training finishes: the encoder and decoder (functional
                           models of standard Keras layers and ``models.Sampling``) in ``models.VAE``, so it loads
                           without the code that trained it (a notebook's own model class)
    network.json           the layers of the network trained here, to refuse mixing it with another one
    checkpoint.weights.h5  weights and optimiser state after the last finished epoch, to resume from
    checkpoint.json        how many epochs that checkpoint has finished
    history.csv            one row per finished epoch (Keras CSVLogger format, ``epoch`` counts from 0)
    samples/epoch_NNN.png  the same z and conditions decoded after epoch NNN (counting from 1)
    logs/                  TensorBoard logs (``tensorboard --logdir RUN_DIR/logs``)
    settings.json          the settings and options of the run
    judge.keras, judge.json  the attribute classifier that scores the run, and its accuracy
    evaluation.json        the run's scores (``python -m vae_tutorial evaluate``)

``Settings.run_dir`` names the folder of a run from its settings. A run of another network with the same
settings is moved aside to ``<run folder>.net-<hash>`` (and moved back when that network is trained again).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from . import models
from .quiet_start import keras
from .settings import Settings, short_path

MODEL_FILE, HISTORY_FILE, SETTINGS_FILE, NETWORK_FILE = "model.keras", "history.csv", "settings.json", "network.json"
CHECKPOINT_FILE, CHECKPOINT_INFO_FILE = "checkpoint.weights.h5", "checkpoint.json"
SAMPLES_DIR, LOGS_DIR = "samples", "logs"
JUDGE_FILE, JUDGE_INFO_FILE, RESULT_FILE = "judge.keras", "judge.json", "evaluation.json"
MODEL_FIELDS = ("image_size", "latent_dim", "architecture", "beta", "attributes")  # fixed for a run folder
_NOT_ARCHITECTURE = ("name", "trainable", "dtype", "seed", "batch_shape", "sparse", "ragged", "optional")


# ---------------------------------------------------------------------------------------------
# Reading a run


def is_finished(run_dir) -> bool:
    """Whether the folder holds a finished run (a ``model.keras``, written only at the end)."""
    return (Path(run_dir) / MODEL_FILE).exists()


def load_run(run_dir) -> models.VAE:
    """The trained CVAE of a run folder (the package's ``models.VAE``, whatever class trained it)."""
    path = Path(run_dir) / MODEL_FILE
    if not path.exists():
        raise FileNotFoundError(f"{short_path(path)} does not exist: train first (notebook 03, or "
                                f"python -m vae_tutorial train --out {short_path(Path(run_dir))}).")
    return keras.saving.load_model(path, safe_mode=True)


def load_history(run_dir) -> pd.DataFrame:
    """``history.csv`` as a table indexed by epoch number, counting from 1 like Keras' progress display."""
    history = pd.read_csv(Path(run_dir) / HISTORY_FILE)
    return history.set_index(history["epoch"].rename("epoch") + 1).drop(columns="epoch")


def finished_epochs(run_dir) -> int:
    """How many epochs the run folder has finished and saved (0 for a new folder): the epoch to pass
    ``fit`` as ``initial_epoch`` to continue it."""
    run_dir = Path(run_dir)
    if (run_dir / CHECKPOINT_INFO_FILE).exists():
        return int(json.loads((run_dir / CHECKPOINT_INFO_FILE).read_text())["epochs"])
    history = run_dir / HISTORY_FILE  # a finished run of the format before checkpoints: its history says
    return int(pd.read_csv(history)["epoch"].nunique()) if is_finished(run_dir) and history.exists() else 0


def run_attributes(run_dir) -> list[str]:
    """The attributes a run's CVAE is conditioned on, in order, from its ``settings.json``."""
    path = Path(run_dir) / SETTINGS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{short_path(path)} does not exist: is {short_path(Path(run_dir))} a run folder "
                                f"written by notebook 03 or `python -m vae_tutorial train`?")
    return list(json.loads(path.read_text())["settings"]["attributes"])


# ---------------------------------------------------------------------------------------------
# Writing a run (``training.callbacks`` calls these)


def check_compatible(run_dir, settings: Settings) -> None:
    """Refuse to mix two different models in one run folder."""
    path = Path(run_dir) / SETTINGS_FILE
    if not path.exists():
        return
    saved = json.loads(path.read_text())["settings"]
    ours = json.loads(json.dumps(asdict(settings), default=str))
    different = [f"{name}={saved.get(name)!r} (now {ours[name]!r})" for name in MODEL_FIELDS
                 if saved.get(name) != ours[name]]
    if different:
        raise ValueError(f"{short_path(Path(run_dir))} holds a run with {', '.join(different)}. Use the same "
                         f"settings to continue it, or delete the folder (or choose another, --out) to start a new "
                         f"one.")


def write_settings(run_dir, settings: Settings, root, options: dict) -> None:
    """Record the settings, the data set and the options a run was trained with."""
    content = {"settings": asdict(settings), "data": str(root), "options": options}
    (Path(run_dir) / SETTINGS_FILE).write_text(json.dumps(content, indent=2, default=str) + "\n")


def saved_form(model) -> models.VAE:
    """What ``model.keras`` holds for a trained model: its encoder (given the ``models.Sampling`` step
    when it returns only ``[z_mean, z_log_var]``) and its decoder in the package's ``models.VAE``."""
    encoder = model.encoder
    if len(encoder.outputs) == 2:
        encoder = keras.Model(encoder.inputs, [*encoder.outputs, models.Sampling(name="z")(encoder.outputs)],
                              name="encoder")
    return models.VAE(encoder, model.decoder, beta=model.beta, name="cvae")


def network(model) -> dict[str, list[str]]:
    """The layers of a model's encoder and decoder in its saved form, one line each: kind, settings and
    output shape (names, initialisers and dtypes left out). Two networks that differ here cannot share a
    checkpoint."""
    model = saved_form(model)
    return {name: [_describe(layer) for layer in getattr(model, name).layers] for name in ("encoder", "decoder")}


def _describe(layer) -> str:
    config = {key: value for key, value in layer.get_config().items() if key not in _NOT_ARCHITECTURE
              and not key.endswith(("_initializer", "_regularizer", "_constraint")) and value is not None}
    options = " ".join(f"{key}={value}".replace(" ", "") for key, value in sorted(config.items()))
    shape = str(tuple(layer.output.shape)[1:]).replace(" ", "")
    return f"{type(layer).__name__} {options} →{shape}"


def fingerprint(layers: dict) -> str:
    """Eight hex digits that name a network (``network``'s output)."""
    return hashlib.sha256(json.dumps(layers, sort_keys=True).encode()).hexdigest()[:8]


def claim(run_dir, model) -> str | None:
    """Make ``run_dir`` the folder of this model's network. When it holds a run of another network, that run
    is moved aside to ``<run_dir>.net-<its hash>``, and an earlier run of this network kept aside that way is
    moved back. Returns what was done, in a sentence, or None when nothing was."""
    run_dir, ours = Path(run_dir), network(model)
    path = run_dir / NETWORK_FILE
    theirs = json.loads(path.read_text()) if path.exists() else None
    message = None
    if theirs is not None and theirs != ours:
        aside = run_dir.with_name(f"{run_dir.name}.net-{fingerprint(theirs)}")
        shutil.rmtree(aside, ignore_errors=True)
        run_dir.rename(aside)
        message = (f"{short_path(run_dir)} held a run of another network ({_difference(theirs, ours)}): moved it to "
                   f"{short_path(aside)}")
        earlier = run_dir.with_name(f"{run_dir.name}.net-{fingerprint(ours)}")
        if earlier.exists():
            earlier.rename(run_dir)
            message += f"; continuing this network's earlier run from {short_path(earlier)}."
        else:
            message += "; training this network from scratch."
    run_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ours, indent=1) + "\n")
    return message


def resume(run_dir, model) -> int:
    """The epoch to continue ``model``'s run in ``run_dir`` from (``fit``'s ``initial_epoch``): the epochs
    finished there, 0 for a new run. Makes the folder this network's first (``claim``, saying what moved)."""
    moved = claim(run_dir, model)
    if moved:
        print(moved)
    return finished_epochs(run_dir)


def _difference(theirs: dict, ours: dict) -> str:
    """The first layer where two networks differ, in words."""
    for part in ours:
        for k in range(max(len(theirs.get(part, [])), len(ours[part]))):
            was, now = (rows[k] if k < len(rows) else "no layer" for rows in (theirs.get(part, []), ours[part]))
            if was != now:
                old, new = was.split(), now.split()
                return (f"{part} layer {k}: {' '.join(t for t in old if t not in new)} now "
                        f"{' '.join(t for t in new if t not in old)}")
    return "different layers"


def save_checkpoint(run_dir, model, epochs: int) -> None:
    """Save the model's weights and optimiser state after ``epochs`` finished epochs, atomically."""
    run_dir = Path(run_dir)
    partial = run_dir / f"unfinished.{CHECKPOINT_FILE}"
    model.save_weights(partial)
    partial.replace(run_dir / CHECKPOINT_FILE)
    (run_dir / CHECKPOINT_INFO_FILE).write_text(json.dumps({"epochs": epochs}) + "\n")


def restore_checkpoint(run_dir, model) -> int:
    """Load the last checkpoint into a compiled ``model`` (weights and optimiser state); return how many
    epochs it had finished (0, loading nothing, when there is none)."""
    epochs = finished_epochs(run_dir)
    if epochs:
        if not model.built:  # a model class of built parts that Keras would build at its first step
            model.built = model.encoder.built and model.decoder.built
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        if (Path(run_dir) / CHECKPOINT_FILE).exists():
            model.load_weights(Path(run_dir) / CHECKPOINT_FILE)
        else:  # a finished run of the format before checkpoints: its weights, without the optimiser's state
            finished = load_run(run_dir)
            model.encoder.set_weights(finished.encoder.get_weights())
            model.decoder.set_weights(finished.decoder.get_weights())
    return epochs


def append_history(run_dir, epoch: int, logs: dict) -> None:
    """Record one finished epoch's numbers in ``history.csv`` (rows of later epochs, from an earlier
    attempt that did not finish, are dropped)."""
    path = Path(run_dir) / HISTORY_FILE
    row = pd.DataFrame([{"epoch": epoch, **{name: float(value) for name, value in sorted((logs or {}).items())}}])
    if path.exists() and path.stat().st_size:
        history = pd.read_csv(path)
        row = pd.concat([history[history["epoch"] < epoch], row], ignore_index=True)
    partial = path.with_name(f"unfinished.{HISTORY_FILE}")
    row.to_csv(partial, index=False)
    partial.replace(path)


def save_model(run_dir, model) -> None:
    """Write ``model.keras`` (``saved_form``) atomically: a ``model.keras`` is always a finished run."""
    partial = Path(run_dir) / f"unfinished.{MODEL_FILE}"
    saved_form(model).save(partial)
    partial.replace(Path(run_dir) / MODEL_FILE)
