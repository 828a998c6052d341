"""What the reader's path adds on the host to each epoch and each batch, beside the training steps.

    KERAS_BACKEND=jax python benchmarks/epoch_costs.py [--image-size 64] [--batch-size 1024]
        [--architecture deep] [--rounds 3] [--tiny]

Times, on whatever machine runs it (on a GPU machine these are CPU work too, except the device gather):
* each epoch end of ``training.callbacks`` (a sheet of sample faces; the run folder's history and
  checkpoint), on the model ``train`` builds with the GPU preset's settings;
* one batch of ``uint8_cache.Batches`` from the host (rows of the memory-mapped cache scaled in NumPy)
  and, on JAX, from the device (the faces held there, one jitted gather and scale).
A cost of C seconds per epoch turns an epoch of E seconds at the device-feed limit into E + C, so the
ratio own path / limit is at most E / (E + C). Prints a table, then one line of JSON; ``--tiny``: 16 px,
batch 32, one round, in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's vae_tutorial

import keras  # noqa: E402
import numpy as np  # noqa: E402

from vae_tutorial import data, settings, training, uint8_cache  # noqa: E402


def _median_seconds(work, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def epoch_ends(S: settings.Settings, rounds: int) -> dict:
    """Seconds of each callback's ``on_epoch_end``, by class name, on a freshly built model."""
    model = training.build_model(S)
    model.optimizer.build(model.trainable_variables)
    logs = {"loss": 1.0, "reconstruction": 1.0, "kl": 0.0, "val_loss": 1.0}
    costs = {}
    with tempfile.TemporaryDirectory() as folder:
        for callback in training.callbacks(Path(folder) / "run", S, lock=False):
            callback.set_model(model)
            epochs = iter(range(10**6))
            end = partial(_epoch_end, callback, epochs, logs)
            first = _median_seconds(end, 1)  # compiles what it calls, imports what it needs
            costs[type(callback).__name__] = {"first": first, "then": _median_seconds(end, rounds)}
    return costs


def _epoch_end(callback, epochs, logs) -> None:
    callback.on_epoch_end(next(epochs), logs)


def _one_batch(feed, steps) -> None:
    keras.ops.convert_to_numpy(feed[next(steps) % len(feed)][0][0][:1])  # waits for the batch, copies one face


def batches(S: settings.Settings, rounds: int) -> dict:
    """Seconds per batch of ``uint8_cache.Batches`` from the host and, on JAX, from the device."""
    n = 8 * S.batch_size
    images = np.random.default_rng(0).integers(0, 256, (n, S.image_size, S.image_size, 3), dtype=np.uint8)
    index = data.Index(paths=np.array([""] * n), rows=np.arange(n), conditions=np.zeros((n, 6), np.float32),
                       attributes=tuple(S.attributes))
    costs = {}
    for name, on_device in (("host", False), ("device", True)):
        if on_device and keras.backend.backend() != "jax":
            continue
        feed = uint8_cache.Batches(images, index, S.batch_size, on_device=on_device)
        keras.ops.convert_to_numpy(feed[0][0][0])  # compiles the gather
        costs[name] = _median_seconds(partial(_one_batch, feed, iter(range(10**6))), rounds * 5)
    return costs


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    preset = settings.PRESETS["gpu"]
    parser.add_argument("--image-size", type=int, default=preset["image_size"])
    parser.add_argument("--batch-size", type=int, default=preset["batch_size"])
    parser.add_argument("--architecture", default=preset["architecture"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="16 px, batch 32, one round: a check that it runs")
    args = parser.parse_args(argv)
    if args.tiny:
        args.image_size, args.batch_size, args.rounds = 16, 32, 1
    S = settings.load(preset="gpu", image_size=args.image_size, batch_size=args.batch_size,
                      architecture=args.architecture)
    result = dict(backend=keras.backend.backend(), image_size=S.image_size, batch_size=S.batch_size,
                  architecture=S.architecture, epoch_end_s=epoch_ends(S, args.rounds), batch_s=batches(S, args.rounds))
    print(f"{keras.backend.backend()}, {S.architecture} CVAE, {S.image_size} px, batch {S.batch_size}: host costs")
    print(f"{'what':<34} {'ms':>9}  (first call, ms)")
    for name, seconds in result["epoch_end_s"].items():
        print(f"{'epoch end: ' + name:<34} {1000 * seconds['then']:>9.1f}  (first: {1000 * seconds['first']:,.0f})")
    for name, seconds in result["batch_s"].items():
        print(f"{'one batch from the ' + name:<34} {1000 * seconds:>9.1f}")
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
