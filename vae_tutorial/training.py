"""Training the conditional VAE: devices, optimiser, callbacks and resuming after an interruption.

Notebook 03 and ``python -m vae_tutorial train`` both call ``train``, which writes a run folder
(its format: ``runs.py``); ``load_or_train`` is what notebooks 04 and 05 call.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from . import data, locking, models, pipeline, plotting, runs
from .quiet_start import keras_quietly
from .settings import PRECISIONS, Settings, short_path

keras = keras_quietly()

if TYPE_CHECKING:
    import tensorflow as tf

LEARNING_RATE = 1e-3
VALIDATION_IMAGES = 2048  # held-out faces scored after each epoch (enough for smooth curves)
# Measured training speed (images/s) of the CVAE and the image size it was measured at; time grows with the
# number of pixels. Used only for the estimates printed before training. CPU: 2 cores, TensorFlow, batch 64.
# GPU: one H100, Keras on JAX, bfloat16, batch 1024 (benchmarks/README.md, "The GPU run").
SPEED = {("cpu", "article"): (32, 650), ("cpu", "deep"): (32, 180), ("gpu", "article"): (64, 13900),
         ("gpu", "deep"): (64, 67900)}
# Other GPUs: the H100's speed scaled by their dense half-precision tensor throughput (NVIDIA's data sheets),
# not measured here, so rough; small convolutions are often memory-bound and lose less on a smaller GPU.
GPU_SCALE = {"H200": 1.0, "H100": 1.0, "A100": 0.32, "L4": 0.12, "V100": 0.13, "T4": 0.066}
UNKNOWN_GPU_SCALE = 0.2
_HAS_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None
VERBOSE = {"bar": 1, "epochs": 2, "none": 0}  # progress → Keras' verbose mode
CPU_PATIENCE_S = 3600  # on a CPU, a run estimated longer than this gets a warning and a subset hint


# ---------------------------------------------------------------------------------------------
# Devices


@dataclass(frozen=True)
class Devices:
    """What training will run on."""

    names: tuple[str, ...]  # logical devices used, e.g. ("GPU:0",) or ("CPU:0",)
    gpu: bool
    strategy: tf.distribute.Strategy
    gpu_name: str | None = None  # e.g. "NVIDIA A100-SXM4-40GB"
    capability: tuple[int, int] | None = None  # the GPU's CUDA compute capability, e.g. (8, 0)

    @property
    def kind(self) -> str:
        return "gpu" if self.gpu else "cpu"

    @property
    def best_precision(self) -> str:
        """bfloat16 maths on Ampere and newer GPUs (compute capability ≥ 8: A100, L4, H100), float16 on
        Volta and Turing (V100, T4: tensor cores, no bfloat16), float32 on a CPU or an older GPU."""
        if not self.gpu or self.capability is None or self.capability < (7, 0):
            return "float32"
        return "mixed_bfloat16" if self.capability >= (8, 0) else "mixed_float16"


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
        name, gpu = f"{device.platform.upper()}:{device.id}", device.platform == "gpu"
        capability = getattr(device, "compute_capability", None) if gpu else None
        return Devices((name,), gpu, tf.distribute.get_strategy(), device.device_kind if gpu else None,
                       _capability(capability))
    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    if distribute:
        strategy = tf.distribute.MirroredStrategy([d.name for d in devices])
    else:
        devices = devices[:1]
        strategy = tf.distribute.get_strategy()
    names = tuple(d.name.split("device:")[-1] for d in devices)
    details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0]) if gpus else {}
    capability = _capability(details.get("compute_capability"))
    return Devices(names, bool(gpus), strategy, details.get("device_name"), capability)


def _capability(value) -> tuple[int, int] | None:
    """A compute capability given as (8, 0) or "8.0" as a tuple of ints."""
    if value is None:
        return None
    major, minor = (str(value).split(".") if isinstance(value, str) else value)[:2]
    return int(major), int(minor)


def choose_precision(precision: str, devices: Devices) -> str:
    """The Keras dtype policy to train with: ``precision`` itself, or for ``"auto"`` the devices' best."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {PRECISIONS}.")
    return devices.best_precision if precision == "auto" else precision


@contextlib.contextmanager
def policy(name: str):
    """Build layers under the Keras dtype policy ``name`` (e.g. ``mixed_bfloat16``: bfloat16 maths,
    float32 weights); the codes and images stay float32 (see ``models``)."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def gpu_scale(gpu_name: str | None) -> float:
    """How fast a GPU trains relative to an H100 (see ``GPU_SCALE``), from its name."""
    return next((scale for key, scale in GPU_SCALE.items() if key in (gpu_name or "")), UNKNOWN_GPU_SCALE)


def estimate_seconds(images: int, epochs: int, settings: Settings, devices: Devices) -> float:
    """A rough training time from measured speeds (see ``SPEED`` and ``GPU_SCALE``)."""
    size, speed = SPEED[devices.kind, settings.architecture]
    if devices.gpu:
        speed *= gpu_scale(devices.gpu_name)
    return images * epochs * (settings.image_size / size) ** 2 / (speed * len(devices.names))


def gpu_estimates(images: int, epochs: int, settings: Settings) -> dict[str, float]:
    """The rough training time of these settings on common GPUs: {"T4": seconds, …}."""
    names = ("T4", "V100", "L4", "A100", "H100")
    return {name: estimate_seconds(images, epochs, settings, Devices(("GPU:0",), True, None, name)) for name in names}


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
                              architecture=settings.architecture, beta=settings.beta, seed=settings.seed)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), jit_compile="auto" if jit is None else jit)
    return model


def datasets(root, settings: Settings, limit: int | None = None, cache: bool = True):
    """Training and validation batches as ``((images, conditions),)``, the form ``fit`` passes whole to the
    model. ``cache``: read the faces from the uint8 array cache (decoded once, on first use)."""
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
          callbacks=(), wait: bool = False) -> models.VAE:
    """Train the settings' CVAE on the data set at ``root`` and save it in ``run_dir``; return it.

    Rerunning after an interruption continues from the last finished epoch; a finished run is
    loaded, not trained again (ask for more ``epochs`` to train it further).

    limit: train on the first ``limit`` training images only (a subset, for CPUs).
    precision: a Keras dtype policy, or ``"auto"`` for the devices' best (bfloat16 on Ampere and newer
    GPUs, float16 on T4/V100, float32 on a CPU; ``Devices.best_precision``). jit: XLA compilation on/off
    (None: Keras decides — on for GPUs). distribute: all GPUs (``MirroredStrategy``). cache: decode
    the JPEGs once into a uint8 array beside the data (``pipeline.prepare_cache``) instead of every
    epoch. progress: Keras' own display, ``"bar"`` (a bar per epoch, for terminals), ``"epochs"`` (a
    line per epoch, for notebooks) or ``"none"``. callbacks: more Keras callbacks. wait: when another
    process is training in ``run_dir``, wait for it (instead of refusing), then load or continue its run.
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
                      distribute=distribute, cache=cache, progress=progress, callbacks=callbacks)


def _train(settings: Settings, root, run_dir: Path, *, limit, precision, jit, distribute, cache, progress,
           callbacks) -> models.VAE:
    runs.check_compatible(run_dir, settings)
    finished = runs.finished_epochs(run_dir)
    if finished >= settings.epochs and runs.is_finished(run_dir):
        print(f"{short_path(run_dir)} already holds a run of {finished} epochs: loading it instead of training "
              f"again. (Delete the folder to train from scratch, or ask for more epochs to continue it.)")
        return runs.load_run(run_dir)

    devices = find_devices(distribute)
    precision = choose_precision(precision, devices)
    with devices.strategy.scope(), policy(precision):
        model = build_model(settings, jit)
    n_images = len(data.index(root, "train", settings.attributes, limit).paths)
    if n_images < settings.batch_size:
        raise ValueError(f"only {n_images} training images (limit={limit}) for batch_size={settings.batch_size}: "
                         f"use more images or a smaller batch size.")
    train_batches, valid_batches = datasets(root, settings, limit, cache)
    _report(settings, root, run_dir, devices, model, n_images, limit, finished, precision)

    run_dir.mkdir(parents=True, exist_ok=True)
    runs.write_settings(run_dir, settings, root, dict(limit=limit, precision=precision, jit=jit,
                                                  distribute=distribute, cache=cache, devices=list(devices.names)))
    runs.tidy_history(run_dir)
    all_callbacks = [
        StopOnDivergence(),
        keras.callbacks.CSVLogger(run_dir / runs.HISTORY_FILE, append=True),  # before the backup: see tidy_history
        keras.callbacks.BackupAndRestore(run_dir / runs.BACKUP_DIR, double_checkpoint=True, delete_checkpoint=False),
        SampleFaces(run_dir / runs.SAMPLES_DIR, settings.attributes, settings.latent_dim, seed=settings.seed),
        *([keras.callbacks.TensorBoard(run_dir / runs.LOGS_DIR, write_graph=False)] if _HAS_TENSORBOARD else []),
        *callbacks,
    ]
    try:
        with pipeline.naming_damaged_images(root):
            model.fit(train_batches, epochs=settings.epochs, validation_data=valid_batches, callbacks=all_callbacks,
                      shuffle=False, verbose=VERBOSE[progress])  # the batches come shuffled
    except Diverged as error:
        raise Diverged(f"training diverged ({error}); {short_path(run_dir)} keeps the last good epoch. Try a "
                       f"smaller beta or fewer latent dimensions.") from None
    finally:
        runs.tidy_history(run_dir)
    partial = run_dir / f"unfinished.{runs.MODEL_FILE}"
    model.save(partial)
    partial.replace(run_dir / runs.MODEL_FILE)  # a model.keras is always a finished one
    return model


def _report(settings, root, run_dir, devices, model, n_images, limit, finished, precision) -> None:
    """Print what training found and a rough time before it starts."""
    left = settings.epochs - finished
    seconds = estimate_seconds(n_images, left, settings, devices)
    device = ", ".join(devices.names) + (f" ({devices.gpu_name})" if devices.gpu_name else "")
    device += "" if devices.gpu else " (no GPU found)"
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
    if not devices.gpu and seconds > CPU_PATIENCE_S:
        subset = max(settings.batch_size, int(n_images * CPU_PATIENCE_S / seconds) // 1000 * 1000)
        print(f"WARNING: on this CPU the run takes about {format_duration(seconds)}. Train on a subset with "
              f"--limit {subset} (about an hour), or use a GPU (e.g. Colab).")

