"""Training the conditional VAE: devices, optimiser, callbacks and resuming after an interruption.

Notebook 03 and ``python -m vae_tutorial train`` both call ``train``. A run folder holds one run:

    model.keras            the trained CVAE (written when training finishes)
    history.csv            one row per finished epoch (Keras CSVLogger format, ``epoch`` counts from 0)
    samples/epoch_NNN.png  the same z and conditions decoded after epoch NNN (counting from 1)
    logs/                  TensorBoard logs (``tensorboard --logdir RUN_DIR/logs``)
    settings.json          the settings and options of the run
    backup/                the state of the last finished epoch, to resume from (BackupAndRestore)
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from . import data, models  # noqa: E402
from .settings import Settings, short_path  # noqa: E402

if TYPE_CHECKING:
    import tensorflow as tf

MODEL_FILE, HISTORY_FILE, SETTINGS_FILE = "model.keras", "history.csv", "settings.json"
SAMPLES_DIR, LOGS_DIR, BACKUP_DIR = "samples", "logs", "backup"
LEARNING_RATE = 1e-3
VALIDATION_IMAGES = 2048  # held-out faces scored after each epoch (enough for smooth curves)
MODEL_FIELDS = ("image_size", "latent_dim", "architecture", "beta", "attributes")  # fixed for a run folder
# Measured training speed (images/s) of the CVAE at the default batch size of 64, and the image size it was
# measured at; time grows with the number of pixels. Used only for the estimate printed before training.
# CPU: 2 cores, TensorFlow. GPU: one H100, Keras on JAX (batch 256 with --mixed-precision: ~1.5-3x faster).
SPEED = {("cpu", "seed"): (32, 650), ("cpu", "deep"): (32, 180), ("gpu", "seed"): (64, 23000),
         ("gpu", "deep"): (64, 14000)}
_HAS_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None
CPU_PATIENCE_S = 3600  # on a CPU, a run estimated longer than this gets a warning and a subset hint


# ---------------------------------------------------------------------------------------------
# Devices


@dataclass(frozen=True)
class Devices:
    """What training will run on."""

    names: tuple[str, ...]  # logical devices used, e.g. ("GPU:0",) or ("CPU:0",)
    gpu: bool
    strategy: tf.distribute.Strategy

    @property
    def kind(self) -> str:
        return "gpu" if self.gpu else "cpu"


def find_devices(distribute: bool = False) -> Devices:
    """The GPUs if there are any, else the CPU; with ``distribute`` a ``MirroredStrategy`` over all
    of them (several GPUs, or several logical CPU devices when configured so). On Keras' JAX backend
    the devices are JAX's (TensorFlow, feeding the data there, may see no GPU) and there is no
    ``distribute``."""
    import tensorflow as tf

    if keras.backend.backend() == "jax":
        import jax

        if distribute:
            raise ValueError("--distribute needs Keras' TensorFlow backend (KERAS_BACKEND=tensorflow); on JAX, "
                             "train on one device.")
        device = jax.devices()[0]  # JAX's default: a GPU when there is one
        return Devices((f"{device.platform.upper()}:{device.id}",), device.platform == "gpu", tf.distribute.get_strategy())
    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    if distribute:
        strategy = tf.distribute.MirroredStrategy([d.name for d in devices])
    else:
        devices = devices[:1]
        strategy = tf.distribute.get_strategy()
    names = tuple(d.name.split("device:")[-1] for d in devices)
    return Devices(names, bool(gpus), strategy)


@contextlib.contextmanager
def precision(mixed: bool):
    """Build layers under the ``mixed_float16`` policy (float16 maths, float32 weights) when ``mixed``."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def estimate_seconds(images: int, epochs: int, settings: Settings, devices: Devices) -> float:
    """A rough training time from measured speeds (see ``SPEED``)."""
    size, speed = SPEED[devices.kind, settings.architecture]
    return images * epochs * (settings.image_size / size) ** 2 / (speed * len(devices.names))


def format_duration(seconds: float) -> str:
    """``~40 s``, ``~12 min`` or ``~2.5 h``."""
    if seconds < 90:
        return f"~{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"~{round(seconds / 60)} min"
    return f"~{seconds / 3600:.1f} h"


# ---------------------------------------------------------------------------------------------
# Model, data and callbacks


def build_model(settings: Settings, jit=None) -> models.VAE:
    """The settings' CVAE, compiled with Adam. ``jit``: XLA on (True), off (False), or Keras' choice (None)."""
    model = models.build_cvae(settings.image_size, settings.latent_dim, n_conditions=len(settings.attributes),
                              architecture=settings.architecture, beta=settings.beta)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), jit_compile="auto" if jit is None else jit)
    return model


def datasets(root, settings: Settings, limit: int | None = None, cache: bool = True):
    """Training and validation batches as ``((images, conditions),)``, the form ``fit`` passes whole to the
    model. ``cache``: read the faces from the uint8 array cache (decoded once, on first use)."""
    common = dict(image_size=settings.image_size, batch_size=settings.batch_size, attributes=settings.attributes,
                  cache=cache)
    train = data.make_dataset(root, "train", shuffle=True, seed=settings.seed, drop_remainder=True, limit=limit,
                              **common)
    valid = data.make_dataset(root, "valid", shuffle=False, limit=VALIDATION_IMAGES, **common)
    return tuple(ds.map(lambda images, conditions: ((images, conditions),)) for ds in (train, valid))


def sample_grid(images: np.ndarray, row_labels, ncols: int, min_side: int = 64) -> Image.Image:
    """Faces (float in [0, 1]) as one picture: rows labelled on the left, faces enlarged to ≥ ``min_side``."""
    scale = max(1, math.ceil(min_side / images.shape[1]))
    side, gap, margin = images.shape[1] * scale, 2, 80
    rows = math.ceil(len(images) / ncols)
    sheet = Image.new("RGB", (margin + ncols * (side + gap), rows * (side + gap)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, face in enumerate(np.clip(images * 255 + 0.5, 0, 255).astype(np.uint8)):
        row, col = divmod(i, ncols)
        tile = Image.fromarray(face).resize((side, side), Image.NEAREST)
        sheet.paste(tile, (margin + col * (side + gap), row * (side + gap)))
    for row, label in enumerate(row_labels):
        draw.text((4, row * (side + gap) + side // 2 - 5), label.replace("_", " "), fill="black")
    return sheet


class SampleFaces(keras.callbacks.Callback):
    """After each epoch, decodes the same ``z`` under the same conditions — no attribute, then each
    attribute alone — and saves ``folder/epoch_NNN.png``, so the same faces visibly improve."""

    def __init__(self, folder, attributes, latent_dim: int, n: int = 8, seed: int = 0):
        super().__init__()
        self.folder = Path(folder)
        self.labels = ["(none)", *attributes]
        conditions = np.vstack([np.zeros(len(attributes)), np.eye(len(attributes))]).astype("float32")
        z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")
        self.n = n
        self.inputs = [np.tile(z, (len(conditions), 1)), np.repeat(conditions, n, axis=0)]

    def on_epoch_end(self, epoch, logs=None):
        images = keras.ops.convert_to_numpy(self.model.decoder(self.inputs, training=False))
        self.folder.mkdir(parents=True, exist_ok=True)
        sample_grid(images, self.labels, self.n).save(self.folder / f"epoch_{epoch + 1:03d}.png")


class EpochLog(keras.callbacks.Callback):
    """A compact progress display: one line per epoch with a bar over all epochs and the metrics."""

    SHOWN = ("loss", "reconstruction", "kl", "mse", "val_mse")

    def __init__(self, epochs: int, width: int = 20):
        super().__init__()
        self.epochs, self.width = epochs, width

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        done = round(self.width * (epoch + 1) / self.epochs)
        bar = "█" * done + "░" * (self.width - done)
        metrics = "  ".join(f"{name} {_fmt(logs[name])}" for name in self.SHOWN if name in (logs or {}))
        seconds = time.perf_counter() - self.started
        print(f"epoch {epoch + 1:>{len(str(self.epochs))}}/{self.epochs} {bar} {metrics}  ({seconds:.0f} s)", flush=True)


def _fmt(value: float) -> str:
    return f"{value:.4f}" if abs(value) < 1 else f"{value:.1f}"


# ---------------------------------------------------------------------------------------------
# Run folders


def load_history(run_dir) -> pd.DataFrame:
    """``history.csv`` as a table indexed by epoch number, counting from 1 like the progress display."""
    history = pd.read_csv(Path(run_dir) / HISTORY_FILE)
    return history.set_index(history["epoch"].rename("epoch") + 1).drop(columns="epoch")


def load_run(run_dir) -> models.VAE:
    """The trained CVAE of a run folder."""
    path = Path(run_dir) / MODEL_FILE
    if not path.exists():
        raise FileNotFoundError(f"{short_path(path)} does not exist: train first (notebook 03, or "
                                f"python -m vae_tutorial train --out {short_path(Path(run_dir))}).")
    return keras.saving.load_model(path, safe_mode=True)


def _finished_epochs(run_dir: Path) -> int:
    path = run_dir / HISTORY_FILE
    return pd.read_csv(path)["epoch"].nunique() if path.exists() and path.stat().st_size else 0


def _tidy_history(path: Path) -> None:
    """One row per epoch, in order. An epoch that was interrupted after its row was written but
    before its backup is trained again on resume; its later row is the one that counts."""
    if path.exists() and path.stat().st_size:
        history = pd.read_csv(path)
        history.drop_duplicates("epoch", keep="last").sort_values("epoch").to_csv(path, index=False)


def _check_run_folder(run_dir: Path, settings: Settings) -> None:
    """Refuse to mix two different models in one run folder."""
    path = run_dir / SETTINGS_FILE
    if not path.exists():
        return
    saved = json.loads(path.read_text())["settings"]
    ours = json.loads(json.dumps(asdict(settings), default=str))
    different = [f"{name}={saved.get(name)!r} (now {ours[name]!r})" for name in MODEL_FIELDS if saved.get(name) != ours[name]]
    if different:
        raise ValueError(f"{short_path(run_dir)} holds a run with {', '.join(different)}. Use the same settings "
                         f"to continue it, or delete the folder (or choose another, --out) to start a new one.")


def _write_settings(run_dir: Path, settings: Settings, root, options: dict) -> None:
    content = {"settings": asdict(settings), "data": str(root), "options": options}
    (run_dir / SETTINGS_FILE).write_text(json.dumps(content, indent=2, default=str) + "\n")


# ---------------------------------------------------------------------------------------------
# Training


def train(settings: Settings, root, run_dir, *, limit: int | None = None, mixed_precision: bool = False,
          jit: bool | None = None, distribute: bool = False, cache: bool = True, progress: str = "bar",
          callbacks=()) -> models.VAE:
    """Train the settings' CVAE on the data set at ``root`` and save it in ``run_dir``; return it.

    Rerunning after an interruption continues from the last finished epoch; a finished run is
    loaded, not trained again (ask for more ``epochs`` to train it further).

    limit: train on the first ``limit`` training images only (a subset, for CPUs).
    mixed_precision: compute in float16 (fast on recent GPUs only). jit: XLA compilation on/off
    (None: Keras decides — on for GPUs). distribute: all GPUs (``MirroredStrategy``). cache: decode
    the JPEGs once into a uint8 array beside the data (``data.prepare_cache``) instead of every epoch.
    progress: ``"bar"`` (a bar per epoch, for terminals), ``"epochs"`` (a line per epoch, for
    notebooks) or ``"none"``. callbacks: more Keras callbacks.
    """
    if progress not in ("bar", "epochs", "none"):
        raise ValueError(f"progress={progress!r} is not one of 'bar', 'epochs', 'none'.")
    run_dir = Path(run_dir)
    _check_run_folder(run_dir, settings)
    finished = _finished_epochs(run_dir)
    if finished >= settings.epochs and (run_dir / MODEL_FILE).exists():
        print(f"{short_path(run_dir)} already holds a run of {finished} epochs: loading it instead of training "
              f"again. (Delete the folder to train from scratch, or ask for more epochs to continue it.)")
        return load_run(run_dir)

    keras.utils.set_random_seed(settings.seed)
    devices = find_devices(distribute)
    with devices.strategy.scope(), precision(mixed_precision):
        model = build_model(settings, jit)
    n_images = len(data.index(root, "train", settings.attributes, limit).paths)
    if n_images < settings.batch_size:
        raise ValueError(f"only {n_images} training images (limit={limit}) for batch_size={settings.batch_size}: "
                         f"use more images or a smaller batch size.")
    train_batches, valid_batches = datasets(root, settings, limit, cache)
    _report(settings, root, run_dir, devices, model, n_images, limit, finished, mixed_precision)

    run_dir.mkdir(parents=True, exist_ok=True)
    _write_settings(run_dir, settings, root, dict(limit=limit, mixed_precision=mixed_precision, jit=jit,
                                                  distribute=distribute, cache=cache, devices=list(devices.names)))
    history = run_dir / HISTORY_FILE
    _tidy_history(history)
    all_callbacks = [
        keras.callbacks.TerminateOnNaN(raise_error=True),
        keras.callbacks.CSVLogger(history, append=True),  # before the backup: see _tidy_history
        keras.callbacks.BackupAndRestore(run_dir / BACKUP_DIR, double_checkpoint=True, delete_checkpoint=False),
        SampleFaces(run_dir / SAMPLES_DIR, settings.attributes, settings.latent_dim, seed=settings.seed),
        *([keras.callbacks.TensorBoard(run_dir / LOGS_DIR, write_graph=False)] if _HAS_TENSORBOARD else []),
        *([EpochLog(settings.epochs)] if progress == "epochs" else []),
        *callbacks,
    ]
    try:
        model.fit(train_batches, epochs=settings.epochs, validation_data=valid_batches, callbacks=all_callbacks,
                  shuffle=False, verbose=1 if progress == "bar" else 0)  # the batches come shuffled
    except RuntimeError as error:
        if "NaN or Inf loss" not in str(error):  # TerminateOnNaN's message
            raise
        raise RuntimeError(f"training diverged (the loss became NaN or infinite); {short_path(run_dir)} keeps the "
                           f"last good epoch. Try a smaller beta or fewer latent dimensions.") from error
    finally:
        _tidy_history(history)
    partial = run_dir / f"unfinished.{MODEL_FILE}"
    model.save(partial)
    partial.replace(run_dir / MODEL_FILE)  # a model.keras is always a finished one
    return model


def _report(settings, root, run_dir, devices, model, n_images, limit, finished, mixed) -> None:
    """Print what training found and a rough time before it starts."""
    left = settings.epochs - finished
    seconds = estimate_seconds(n_images, left, settings, devices)
    device = ", ".join(devices.names) + ("" if devices.gpu else " (no GPU found)")
    xla = "on" if model.jit_compile else "off"
    print(f"Training a conditional VAE: {settings.architecture} architecture, {settings.image_size}×"
          f"{settings.image_size} px, {settings.latent_dim}-number latent, beta={settings.beta}, "
          f"{model.count_params():,} parameters")
    print(f"  data            {short_path(Path(root))}: {n_images:,} training images per epoch"
          + (f" (limited to the first {limit:,})" if limit else ""))
    mixed = ("on" + ("" if devices.gpu else " (slower than off on a CPU)")) if mixed else "off"
    print(f"  device(s)       {device}; mixed precision {mixed}; XLA {xla}")
    print(f"  epochs          {left} to go" + (f" (resuming after epoch {finished})" if finished else ""))
    print(f"  rough time      {format_duration(seconds)}")
    print(f"  run folder      {short_path(run_dir)}"
          + ("" if _HAS_TENSORBOARD else " (no TensorBoard logs: pip install tensorboard to have them)"))
    if not devices.gpu and seconds > CPU_PATIENCE_S:
        subset = max(settings.batch_size, int(n_images * CPU_PATIENCE_S / seconds) // 1000 * 1000)
        print(f"WARNING: on this CPU the run takes about {format_duration(seconds)}. Train on a subset with "
              f"--limit {subset} (about an hour), or use a GPU (e.g. Colab).")

