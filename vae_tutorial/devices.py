"""What training runs on: the devices Keras' backend sees, how a batch is spread over them, and the
arithmetic (dtype policy) that suits them.

TensorFlow is imported only on its own backend, so JAX-only machines (lent GPUs, Colab's TPU
runtimes) train without it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from .quiet_start import keras
from .settings import PRECISIONS


@dataclass(frozen=True)
class Devices:
    """The devices training uses, and how it spreads a batch over several of them."""

    names: tuple[str, ...]  # e.g. ("GPU:0",) or ("CPU:0", "CPU:1")
    platform: str  # "cpu", "gpu" or "tpu"
    distribution: object = None  # TensorFlow: a tf.distribute.Strategy; JAX: a keras.distribution.DataParallel
    gpu_name: str | None = None  # e.g. "NVIDIA A100-SXM4-40GB"
    capability: tuple[int, int] | None = None  # the GPU's CUDA compute capability, e.g. (8, 0)

    @property
    def gpu(self) -> bool:
        return self.platform == "gpu"

    @property
    def best_precision(self) -> str:
        """bfloat16 maths on TPUs and on Ampere and newer GPUs (compute capability ≥ 8: A100, L4, H100),
        float16 on Volta and Turing (V100, T4: tensor cores, no bfloat16), float32 on a CPU or an older GPU."""
        if self.platform == "tpu":
            return "mixed_bfloat16"
        if not self.gpu or self.capability is None or self.capability < (7, 0):
            return "float32"
        return "mixed_bfloat16" if self.capability >= (8, 0) else "mixed_float16"

    def scope(self):
        """A context in which models are built and trained on these devices."""
        return self.distribution.scope() if self.distribution is not None else contextlib.nullcontext()


def find_devices(distribute: bool = False) -> Devices:
    """The GPUs (or TPU cores) if there are any, else the CPU. ``distribute``: every local device,
    each batch split between them — TensorFlow's ``MirroredStrategy``, or on JAX
    ``keras.distribution.DataParallel``; without it, the first device."""
    backend = keras.backend.backend()
    if backend == "jax":
        return _jax_devices(distribute)
    if backend == "tensorflow":
        return _tensorflow_devices(distribute)
    if distribute:
        raise ValueError(f"--distribute needs Keras' TensorFlow or JAX backend, not {backend}: set KERAS_BACKEND.")
    return _torch_devices()


def _jax_devices(distribute: bool) -> Devices:
    import jax

    devices = jax.local_devices() if distribute else jax.local_devices()[:1]  # a GPU or TPU when there is one
    first = devices[0]
    names = tuple(f"{d.platform.upper()}:{d.id}" for d in devices)
    distribution = keras.distribution.DataParallel(devices=devices) if distribute else None
    gpu = first.platform == "gpu"
    return Devices(names, first.platform, distribution, first.device_kind if gpu else None,
                   _capability(getattr(first, "compute_capability", None)) if gpu else None)


def _tensorflow_devices(distribute: bool) -> Devices:
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    strategy = tf.distribute.MirroredStrategy([d.name for d in devices]) if distribute else None
    names = tuple(d.name.split("device:")[-1] for d in (devices if distribute else devices[:1]))
    details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0]) if gpus else {}
    return Devices(names, "gpu" if gpus else "cpu", strategy, details.get("device_name"),
                   _capability(details.get("compute_capability")))


def _torch_devices() -> Devices:
    import torch

    if not torch.cuda.is_available():
        return Devices(("CPU:0",), "cpu")
    return Devices(("GPU:0",), "gpu", None, torch.cuda.get_device_name(0), torch.cuda.get_device_capability(0))


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
