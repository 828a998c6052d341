"""The run folder: where one trained CVAE lives, and the one place that knows its format.

    model.keras            the trained CVAE (written when training finishes)
    history.csv            one row per finished epoch (Keras CSVLogger format, ``epoch`` counts from 0)
    samples/epoch_NNN.png  the same z and conditions decoded after epoch NNN (counting from 1)
    logs/                  TensorBoard logs (``tensorboard --logdir RUN_DIR/logs``)
    settings.json          the settings and options of the run
    backup/                the state of the last finished epoch, to resume from (BackupAndRestore)
    judge.keras, judge.json  the attribute classifier that scores the run, and its accuracy
    evaluation.json        the run's scores (``python -m vae_tutorial evaluate``)

``Settings.run_dir`` names the folder of a run from its settings.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from . import models
from .quiet_start import keras_quietly
from .settings import Settings, short_path

keras = keras_quietly()

MODEL_FILE, HISTORY_FILE, SETTINGS_FILE = "model.keras", "history.csv", "settings.json"
SAMPLES_DIR, LOGS_DIR, BACKUP_DIR = "samples", "logs", "backup"
JUDGE_FILE, JUDGE_INFO_FILE, RESULT_FILE = "judge.keras", "judge.json", "evaluation.json"
MODEL_FIELDS = ("image_size", "latent_dim", "architecture", "beta", "attributes")  # fixed for a run folder


def is_finished(run_dir) -> bool:
    """Whether the folder holds a finished run (a ``model.keras``, written only at the end)."""
    return (Path(run_dir) / MODEL_FILE).exists()


def load_run(run_dir) -> models.VAE:
    """The trained CVAE of a run folder."""
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
    """How many epochs the run folder's history records (0 for a new folder)."""
    path = Path(run_dir) / HISTORY_FILE
    return pd.read_csv(path)["epoch"].nunique() if path.exists() and path.stat().st_size else 0


def tidy_history(run_dir) -> None:
    """One row per epoch, in order. An epoch that was interrupted after its row was written but
    before its backup is trained again on resume; its later row is the one that counts."""
    path = Path(run_dir) / HISTORY_FILE
    if path.exists() and path.stat().st_size:
        history = pd.read_csv(path)
        history.drop_duplicates("epoch", keep="last").sort_values("epoch").to_csv(path, index=False)


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


def run_attributes(run_dir) -> list[str]:
    """The attributes a run's CVAE is conditioned on, in order, from its ``settings.json``."""
    path = Path(run_dir) / SETTINGS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{short_path(path)} does not exist: is {short_path(Path(run_dir))} a run folder "
                                f"written by notebook 03 or `python -m vae_tutorial train`?")
    return list(json.loads(path.read_text())["settings"]["attributes"])
