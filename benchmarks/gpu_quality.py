"""The fast path end to end: the 64×64 CVAE trained on a CelebA-sized set in minutes, then scored.

    KERAS_BACKEND=jax python benchmarks/gpu_quality.py --data ROOT [--out DIR] [--epochs 15]
        [--batch-size 1024] [--architecture deep]

ROOT holds a data set in CelebA's layout whose 64-px uint8 cache is ready (``celeba_sized.py`` writes
one). The CVAE trains with the device feed of ``train_speed.py`` (uint8 images on the accelerator,
bf16, XLA, large batches); ``vae_tutorial.evaluate`` then scores it as ``python -m vae_tutorial
evaluate`` does: the judge's held-out accuracy, attribute control and held-out reconstruction error,
against the targets the tutorial holds its default run to. Every stage is timed. Prints a table,
then one line of JSON; the model and ``evaluation.json`` are written to DIR.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's vae_tutorial

import keras  # noqa: E402
import train_speed  # noqa: E402  (beside this file)

from vae_tutorial import evaluate, models, settings  # noqa: E402

# The targets of the tutorial's default run: the judge reads real faces right, and faces drawn with an
# attribute on (or off) show it (or not).
JUDGE_TARGET, CONTROL_TARGETS, CONTROL_TARGET = 0.97, {"Smiling": 0.95, "Eyeglasses": 0.95}, 0.90


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="a data set root whose cache is prepared")
    parser.add_argument("--out", type=Path, default=Path("/tmp/gpu_quality"), help="where the run is written")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--architecture", choices=tuple(models.NETWORKS), default="deep")
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args(argv)
    attributes = list(settings.DEFAULT_ATTRIBUTES)
    seconds = {}

    started = time.perf_counter()
    images, conditions = train_speed.load(args.data, args.image_size, attributes)
    model = train_speed.build(args.image_size, len(attributes), args.architecture, mixed_precision=True)
    keras.mixed_precision.set_global_policy("float32")  # the judge is built after: float32
    steps = len(images) // args.batch_size
    timer = train_speed.train_device(model, images, conditions, args.batch_size, args.epochs, steps)
    seconds["train"] = time.perf_counter() - started
    print(f"trained {args.epochs} epochs of {steps * args.batch_size:,} faces in {seconds['train']:.0f} s "
          f"(first epoch, compiling: {timer.seconds[0]:.1f} s; then {sum(timer.seconds[1:]):.1f} s); "
          f"loss {timer.losses[0]:.1f} → {timer.losses[-1]:.1f}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out / "model.keras")

    started = time.perf_counter()
    result = evaluate.evaluate(model, args.data, args.out, attributes, cache=True)
    seconds["evaluate"] = time.perf_counter() - started
    print(evaluate.table(result), flush=True)

    met = {f"judge {name}": accuracy >= JUDGE_TARGET for name, accuracy in result["judge_accuracy"].items()}
    met |= {f"control {name}": value >= CONTROL_TARGETS.get(name, CONTROL_TARGET)
            for name, value in result["control"].items()}
    print(f"seconds: {json.dumps({k: round(v, 1) for k, v in seconds.items()})}; targets met: "
          f"{sum(met.values())} of {len(met)}" + "".join(f"; NOT {name}" for name, ok in met.items() if not ok))
    summary = dict(backend=keras.backend.backend(), device=train_speed.device_name(), architecture=args.architecture,
                   image_size=args.image_size, batch_size=args.batch_size, epochs=args.epochs,
                   training_images=steps * args.batch_size, epoch_seconds=timer.seconds, losses=timer.losses,
                   seconds=seconds, evaluation=result, targets_met=met)
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    main()
