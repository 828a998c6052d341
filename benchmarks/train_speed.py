"""Training speed of the CVAE on the current Keras backend, fed from a data set's uint8 cache.

    KERAS_BACKEND=jax python benchmarks/train_speed.py --data ROOT [--architecture deep]
        [--batch-size 1024] [--epochs 3] [--steps N] [--mixed-precision] [--feed fit|device]

The first epoch compiles and warms up; the later ones are timed. Two ways to feed the model:

* ``fit`` — Keras' own ``model.fit`` on in-memory float32 arrays (host slicing; on a GPU,
  Keras moves each batch one step ahead);
* ``device`` (JAX only) — the uint8 images sit on the accelerator once; each step gathers a
  shuffled batch there, scales it to [0, 1] and runs Keras' own ``train_step``, jitted; the
  trained weights go back into the model at the end.

Prints a summary line, then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's vae_tutorial

import keras  # noqa: E402
import numpy as np  # noqa: E402

from vae_tutorial import data, models, settings, uint8_cache  # noqa: E402

CELEBA_TRAIN_IMAGES = 162_770
LEARNING_RATE = 1e-3


def load(root, image_size: int, attributes) -> tuple[np.ndarray, np.ndarray]:
    """The training split's uint8 images (from the cache) and 0/1 conditions, in memory."""
    idx = data.index(root, "train", attributes)
    images = uint8_cache.read(root, image_size)
    return np.ascontiguousarray(images[idx.rows]), idx.conditions


def build(image_size: int, n_conditions: int, architecture: str, mixed_precision: bool) -> keras.Model:
    """The tutorial's CVAE, compiled with Adam (XLA where the backend chooses it)."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mixed_precision else "float32")
    model = models.build_cvae(image_size, 16, n_conditions=n_conditions, architecture=architecture)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
    return model


class EpochTimes(keras.callbacks.Callback):
    """Wall time of each epoch, waiting for the device to finish before the clock stops."""

    def __init__(self):
        super().__init__()
        self.seconds, self.losses = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(float(logs["loss"]))  # float() waits for the last step
        self.seconds.append(time.perf_counter() - self.started)


def train_fit(model, images, conditions, batch_size, epochs, steps) -> EpochTimes:
    """Keras' ``fit`` on float32 arrays in host memory, cut to whole batches (a last, smaller batch
    would compile the step again)."""
    timer, n = EpochTimes(), steps * batch_size
    x = images[:n].astype(np.float32)
    x /= 255.0
    model.fit((x, conditions[:n]), batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0, callbacks=[timer])
    return timer


def train_device(model, images, conditions, batch_size, epochs, steps) -> EpochTimes:
    """Keras' ``train_step`` in a jitted JAX loop, batches gathered from uint8 images on the device."""
    import jax

    model.optimizer.build(model.trainable_variables)
    state = tuple([v.value for v in variables] for variables in (
        model.trainable_variables, model.non_trainable_variables, model.optimizer.variables,
        model.metrics_variables))
    images, conditions = jax.device_put(images), jax.device_put(conditions)

    @partial(jax.jit, donate_argnums=0)
    def step(state, images, conditions, order, i):
        rows = jax.lax.dynamic_slice_in_dim(order, i * batch_size, batch_size)
        batch = (images[rows].astype("float32") / 255.0, conditions[rows])
        return model.train_step(state, (batch,))

    timer, key = EpochTimes(), jax.random.key(0)
    for epoch in range(epochs):
        timer.on_epoch_begin(epoch)
        state = (*state[:3], [jax.numpy.zeros_like(v) for v in state[3]])  # metrics restart, as in fit
        key, subkey = jax.random.split(key)
        order = jax.random.permutation(subkey, len(images))
        for i in range(steps):
            logs, state = step(state, images, conditions, order, i)
        timer.on_epoch_end(epoch, logs)
    variables = (model.trainable_variables, model.non_trainable_variables, model.optimizer.variables,
                 model.metrics_variables)
    for model_variables, values in zip(variables, state):  # the trained weights back into the model
        for variable, value in zip(model_variables, values):
            variable.assign(value)
    return timer


FEEDS = {"fit": train_fit, "device": train_device}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="a data set root whose cache is prepared")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--architecture", choices=tuple(models.NETWORKS), default="article")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=2, help="epochs in all; the first is not timed")
    parser.add_argument("--steps", type=int, help="steps per epoch (default: the whole training split)")
    parser.add_argument("--mixed-precision", action="store_true", help="bfloat16 maths, float32 weights")
    parser.add_argument("--feed", choices=FEEDS, default="fit")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first one compiles")

    images, conditions = load(args.data, args.image_size, settings.DEFAULT_ATTRIBUTES)
    steps = args.steps or len(images) // args.batch_size
    model = build(args.image_size, conditions.shape[1], args.architecture, args.mixed_precision)
    timer = FEEDS[args.feed](model, images, conditions, args.batch_size, args.epochs, steps)
    seconds = statistics.median(timer.seconds[1:])
    result = dict(
        backend=keras.backend.backend(), device=device_name(), architecture=args.architecture,
        parameters=model.count_params(), jit_compile=model.jit_compile, image_size=args.image_size,
        batch_size=args.batch_size, feed=args.feed, mixed_precision=args.mixed_precision, steps_per_epoch=steps,
        epoch_seconds=timer.seconds, losses=timer.losses, img_s=steps * args.batch_size / seconds,
    )
    result["celeba_epoch_s"] = CELEBA_TRAIN_IMAGES / result["img_s"]
    print(f"{result['backend']} on {result['device']}: {args.architecture} CVAE ({result['parameters']:,} parameters), "
          f"{args.image_size} px, batch {args.batch_size}, {'bf16' if args.mixed_precision else 'fp32'}, feed "
          f"{args.feed}: {result['img_s']:,.0f} img/s = {result['celeba_epoch_s']:.1f} s per CelebA epoch "
          f"(first epoch {timer.seconds[0]:.1f} s; loss {timer.losses[0]:.1f} → {timer.losses[-1]:.1f})", flush=True)
    print(json.dumps(result), flush=True)
    return result


def device_name() -> str:
    """The accelerator (or CPU) the backend computes on, as the backend names it."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.devices()[0].device_kind
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return "GPU" if tf.config.list_logical_devices("GPU") else "CPU"
    return keras.backend.backend()


if __name__ == "__main__":
    main()
