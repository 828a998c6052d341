"""Training the conditional VAE: optimiser, data feed, callbacks and resuming after an interruption
(the devices and their arithmetic: ``devices.py``).

Notebook 03 and ``python -m vae_tutorial train`` both call ``train``, which writes a run folder
(its format: ``runs.py``); ``load_or_train`` is what notebooks 04 and 05 call.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from . import data, locking, models, pipeline, plotting, runs, uint8_cache
from .devices import Devices, choose_precision, find_devices, policy
from .quiet_start import keras
from .settings import Settings, short_path

LEARNING_RATE = 1e-3
VALIDATION_IMAGES = 2048  # held-out faces scored after each epoch (enough for smooth curves)
# Images/s of ``train`` on a CPU at 32 px, per architecture: only for the rough time printed before
# training (measured by benchmarks/reader_speed.py; see benchmarks/README.md). No GPU is listed yet.
SPEED = {"article": 650, "deep": 180}
# Keras' TensorBoard callback writes its logs with TensorFlow, whatever the backend
_HAS_TENSORBOARD = pipeline.installed() and importlib.util.find_spec("tensorboard") is not None
VERBOSE = {"bar": 1, "epochs": 2, "none": 0}  # progress → Keras' verbose mode
CPU_PATIENCE_S = 3600  # on a CPU, a run estimated longer than this gets a warning and a subset hint


# ---------------------------------------------------------------------------------------------
# Estimates


def estimate_seconds(images: int, epochs: int, settings: Settings, devices: Devices) -> float | None:
    """A rough training time from ``SPEED`` (time grows with the number of pixels); None on a
    device where this path was not measured."""
    speed = SPEED.get(settings.architecture) if devices.platform == "cpu" else None
    if speed is None:
        return None
    return images * epochs * (settings.image_size / 32) ** 2 / (speed * len(devices.names))


def format_duration(seconds: float | None) -> str:
    """``~40 s``, ``~12 min`` or ``~2.5 h``; for no estimate, says that this device was not measured."""
    if seconds is None:
        return "not measured on this device yet"
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
                              architecture=settings.architecture, beta=settings.beta, seed=settings.seed)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), jit_compile="auto" if jit is None else jit)
    return model


def datasets(root, settings: Settings, limit: int | None = None, cache: bool = True):
    """Training and validation batches as ``((images, conditions),)``, the form ``fit`` passes whole to the
    model. ``cache``: read the faces from the uint8 array cache (decoded once, on first use). On Keras'
    TensorFlow backend, or from the JPEGs, a ``tf.data`` pipeline; on the others the cache's own
    ``PyDataset`` (``uint8_cache.Batches``, no TensorFlow needed), kept on the accelerator when it fits."""
    if cache and keras.backend.backend() != "tensorflow":
        images = uint8_cache.read(root, settings.image_size)
        train = data.index(root, "train", settings.attributes, limit)
        on_device = uint8_cache.fits_on_device(len(train.rows) * images[0].nbytes)
        return (uint8_cache.Batches(images, train, settings.batch_size, shuffle=True, seed=settings.seed,
                                    drop_remainder=True, on_device=on_device),
                uint8_cache.Batches(images, data.index(root, "valid", settings.attributes, VALIDATION_IMAGES),
                                    settings.batch_size, shuffle=False, on_device=on_device))
    if not pipeline.installed():
        raise ValueError("training from the JPEGs (cache=False) needs TensorFlow: pip install tensorflow, or "
                         "train from the uint8 cache (the default), which needs none.")
    common = dict(image_size=settings.image_size, batch_size=settings.batch_size, attributes=settings.attributes,
                  cache=cache)
    train = pipeline.make_dataset(root, "train", shuffle=True, seed=settings.seed, drop_remainder=True, limit=limit,
                              **common)
    valid = pipeline.make_dataset(root, "valid", shuffle=False, limit=VALIDATION_IMAGES, **common)
    return tuple(ds.map(lambda images, conditions: ((images, conditions),)) for ds in (train, valid))


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
        figure = plotting.show_faces(images, ncols=self.n, size=0.9, row_labels=self.labels,
                                     title=f"after epoch {epoch + 1}")
        figure.savefig(self.folder / f"epoch_{epoch + 1:03d}.png", dpi=100)
        plt.close(figure)


class RunFolder(keras.callbacks.Callback):
    """Keeps the run folder of a ``fit``: at the start it holds the folder's lock, checks the settings, moves
    a run of another network aside (``runs.claim``) and restores the last checkpoint; after each epoch it
    records the history row and a checkpoint; when the last epoch is done it writes ``model.keras``."""

    _held: dict = {}  # lock path → the ExitStack holding it, per process (a fit interrupted in a notebook)

    def __init__(self, run_dir, settings: Settings, root=None, options: dict | None = None, lock: bool = True):
        super().__init__()
        self.run_dir, self.settings, self.root, self.options, self.lock = Path(run_dir), settings, root, options, lock

    def on_train_begin(self, logs=None):
        if self.lock:
            path = self.run_dir.with_name(self.run_dir.name + ".lock")
            self._held.pop(path, contextlib.ExitStack()).close()  # this process's own lock, left by an interrupt
            self._held[path] = stack = contextlib.ExitStack()
            stack.enter_context(locking.exclusive(path, f"training in {short_path(self.run_dir)}"))
        runs.check_compatible(self.run_dir, self.settings)
        runs.resume(self.run_dir, self.model)  # nothing to do when the caller has called it
        runs.write_settings(self.run_dir, self.settings, self.root, self.options or {})
        self.start, self.trained = runs.restore_checkpoint(self.run_dir, self.model), False

    def on_epoch_begin(self, epoch, logs=None):
        if not self.trained and epoch != self.start:
            raise ValueError(f"fit starts at epoch {epoch + 1}, but {short_path(self.run_dir)} has finished "
                             f"{self.start} epochs: pass initial_epoch=runs.resume(run_dir, model) to fit to "
                             f"continue it, or delete the folder to start again.")
        self.trained = True

    def on_epoch_end(self, epoch, logs=None):
        runs.append_history(self.run_dir, epoch, logs)
        runs.save_checkpoint(self.run_dir, self.model, epoch + 1)

    def on_train_end(self, logs=None):
        for stack in self._held.values():
            stack.close()
        self._held.clear()
        done = runs.finished_epochs(self.run_dir)
        if not self.trained and done < self.params["epochs"]:
            raise ValueError(f"fit trained no epoch, but {short_path(self.run_dir)} has finished only {done} of "
                             f"{self.params['epochs']}: pass initial_epoch=runs.resume(run_dir, model) to fit.")
        if done >= self.params["epochs"] and (self.trained or not runs.is_finished(self.run_dir)):
            runs.save_model(self.run_dir, self.model)


def callbacks(run_dir, settings: Settings, root=None, *, options: dict | None = None, lock: bool = True) -> list:
    """The callbacks of a training run, for ``model.fit``: the run folder's checkpoint, resume, history and
    finished model (``RunFolder``; pass ``fit`` ``initial_epoch=runs.resume(run_dir, model)``), a sheet of
    sample faces per epoch, TensorBoard logs when TensorBoard is installed, and a stop when the loss diverges.
    The model needs ``encoder``, ``decoder`` and ``beta`` attributes (``runs.saved_form``). root, options:
    recorded in settings.json; lock: hold the folder's lock (off when the caller holds it)."""
    run_dir = Path(run_dir)
    return [
        SampleFaces(run_dir / runs.SAMPLES_DIR, settings.attributes, settings.latent_dim, seed=settings.seed),
        RunFolder(run_dir, settings, root, options, lock),
        StopOnDivergence(),
        *([keras.callbacks.TensorBoard(run_dir / runs.LOGS_DIR, write_graph=False)] if _HAS_TENSORBOARD else []),
    ]


class Diverged(RuntimeError):
    """Training stopped because the loss became NaN or infinite."""


class StopOnDivergence(keras.callbacks.Callback):
    """Stops training with ``Diverged`` as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise Diverged(f"the loss became {float(loss)} at batch {batch}")


def load_or_train(settings: Settings, source: data.Source) -> models.VAE:
    """The CVAE trained with these settings on ``source``, loaded from its run folder; trained there
    first, exactly as notebook 03 does, when the folder holds no finished run."""
    run_dir = settings.run_dir(source.name)
    if not runs.is_finished(run_dir):
        print(f"No trained CVAE in {short_path(run_dir)} yet: training one now with the settings above, "
              f"as notebook 03 does (this happens once).")
    return train(settings, source.root, run_dir, progress="epochs", wait=True)


# ---------------------------------------------------------------------------------------------
# Training


def train(settings: Settings, root, run_dir, *, limit: int | None = None, precision: str = "auto",
          jit: bool | None = None, distribute: bool = False, cache: bool = True, progress: str = "bar",
          extra_callbacks=(), wait: bool = False) -> models.VAE:
    """Train the settings' CVAE on the data set at ``root`` and save it in ``run_dir``; return it.

    Rerunning after an interruption continues from the last finished epoch; a finished run is
    loaded, not trained again (ask for more ``epochs`` to train it further).

    limit: train on the first ``limit`` training images only (a subset, for CPUs).
    precision: a Keras dtype policy, or ``"auto"`` for the devices' best (bfloat16 on Ampere and newer
    GPUs, float16 on T4/V100, float32 on a CPU; ``Devices.best_precision``). jit: XLA compilation on/off
    (None: Keras decides — on for GPUs). distribute: every local device, each batch split between them
    (``devices.find_devices``). cache: decode the JPEGs once into a uint8 array beside the data
    (``uint8_cache.prepare``) instead of every epoch. progress: Keras' own display, ``"bar"`` (a bar
    per epoch, for terminals), ``"epochs"`` (a line per epoch, for notebooks) or ``"none"``. callbacks:
    more Keras callbacks. wait: when another process is training in ``run_dir``, wait for it (instead
    of refusing), then load or continue its run.
    """
    if progress not in VERBOSE:
        raise ValueError(f"progress={progress!r} is not one of {tuple(VERBOSE)}.")
    run_dir = Path(run_dir)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    # One process trains a run folder at a time: a second refuses, naming the first (or, with ``wait``,
    # waits for it and then finds the finished run).
    hold = locking.waiting_for if wait else locking.exclusive
    with hold(run_dir.with_name(run_dir.name + ".lock"), f"training in {short_path(run_dir)}"):
        return _train(settings, root, run_dir, limit=limit, precision=precision, jit=jit,
                      distribute=distribute, cache=cache, progress=progress, extra_callbacks=extra_callbacks)


def _train(settings: Settings, root, run_dir: Path, *, limit, precision, jit, distribute, cache, progress,
           extra_callbacks) -> models.VAE:
    runs.check_compatible(run_dir, settings)
    if runs.finished_epochs(run_dir) >= settings.epochs and runs.is_finished(run_dir):
        print(f"{short_path(run_dir)} already holds a run of {runs.finished_epochs(run_dir)} epochs: loading it "
              f"instead of training again. (Delete the folder to train from scratch, or ask for more epochs to "
              f"continue it.)")
        return runs.load_run(run_dir)

    devices = find_devices(distribute)
    precision = choose_precision(precision, devices)
    with devices.scope(), policy(precision):
        model = build_model(settings, jit)
    n_images = len(data.index(root, "train", settings.attributes, limit).paths)
    if n_images < settings.batch_size:
        raise ValueError(f"only {n_images} training images (limit={limit}) for batch_size={settings.batch_size}: "
                         f"use more images or a smaller batch size.")
    train_batches, valid_batches = datasets(root, settings, limit, cache)
    finished = runs.resume(run_dir, model)
    _report(settings, root, run_dir, devices, model, n_images, limit, finished, precision)

    options = dict(limit=limit, precision=precision, jit=jit, distribute=distribute, cache=cache,
                   devices=list(devices.names))
    all_callbacks = [*callbacks(run_dir, settings, root, options=options, lock=False), *extra_callbacks]
    try:
        damaged = contextlib.nullcontext() if cache else pipeline.naming_damaged_images(root)  # JPEGs decoded
        with devices.scope(), damaged:  # the same fit as notebook 03's
            model.fit(train_batches, epochs=settings.epochs, initial_epoch=finished, validation_data=valid_batches,
                      callbacks=all_callbacks, shuffle=False, verbose=VERBOSE[progress])  # the batches come shuffled
    except Diverged as error:
        raise Diverged(f"training diverged ({error}); {short_path(run_dir)} keeps the last good epoch. Try a "
                       f"smaller beta or fewer latent dimensions.") from None
    return model


def _report(settings, root, run_dir, devices, model, n_images, limit, finished, precision) -> None:
    """Print what training found and a rough time before it starts."""
    left = settings.epochs - finished
    seconds = estimate_seconds(n_images, left, settings, devices)
    device = ", ".join(devices.names) + (f" ({devices.gpu_name})" if devices.gpu_name else "")
    device += "" if devices.platform != "cpu" else " (no GPU found)"
    xla = "on" if model.jit_compile else "off"
    print(f"Training a conditional VAE: {settings.architecture} architecture, {settings.image_size}×"
          f"{settings.image_size} px, {settings.latent_dim}-number latent, beta={settings.beta}, "
          f"{model.count_params():,} parameters")
    print(f"  data            {short_path(Path(root))}: {n_images:,} training images per epoch"
          + (f" (limited to the first {limit:,})" if limit else ""))
    slow = " (slower than float32 on a CPU)" if precision != "float32" and not devices.gpu else ""
    print(f"  device(s)       {device}; precision {precision}{slow}; XLA {xla}")
    print(f"  epochs          {left} to go" + (f" (resuming after epoch {finished})" if finished else ""))
    print(f"  rough time      {format_duration(seconds)}")
    print(f"  run folder      {short_path(run_dir)}"
          + ("" if _HAS_TENSORBOARD else " (no TensorBoard logs: pip install tensorboard to have them)"))
    if devices.platform == "cpu" and seconds > CPU_PATIENCE_S:
        subset = max(settings.batch_size, int(n_images * CPU_PATIENCE_S / seconds) // 1000 * 1000)
        print(f"WARNING: on this CPU the run takes about {format_duration(seconds)}. Train on a subset with "
              f"--limit {subset} (about an hour), or use a GPU (e.g. Colab).")

