"""The reader's own path: ``training.train``, as notebook 03 and ``python -m vae_tutorial train`` run it,
timed on the current Keras backend with the GPU preset's settings.

    KERAS_BACKEND=jax python benchmarks/reader_speed.py --data ROOT [--out DIR] [--epochs 3]
        [--image-size 64] [--batch-size 1024] [--precision auto]

ROOT holds a data set in CelebA's layout whose uint8 cache is ready (``celeba_sized.py`` writes one).
Every epoch is a whole one of the reader's run: the training faces through the package's own feed
(``training.datasets``), Keras' ``fit``, the validation faces, the run folder's checkpoint, history
and sample faces; it is timed from its start to the end of its callbacks. The first epoch compiles
and is not counted. Prints a summary line, then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's vae_tutorial

import keras  # noqa: E402
import train_speed  # noqa: E402  (beside this file)

from vae_tutorial import data, settings, training  # noqa: E402

CELEBA_TRAIN_IMAGES = train_speed.CELEBA_TRAIN_IMAGES


EpochTimes = train_speed.EpochTimes  # wall time of each whole epoch, callbacks included


def main(argv=None) -> dict:
    preset = settings.PRESETS["gpu"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="a data set root whose cache is prepared")
    parser.add_argument("--out", type=Path, default=Path("/tmp/reader_speed"), help="the run folder (made afresh)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs in all; the first is not timed")
    parser.add_argument("--image-size", type=int, default=preset["image_size"])
    parser.add_argument("--batch-size", type=int, default=preset["batch_size"])
    parser.add_argument("--architecture", default=preset["architecture"])
    parser.add_argument("--precision", default="auto", choices=settings.PRECISIONS)
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first one compiles")

    S = settings.load(preset="gpu", epochs=args.epochs, image_size=args.image_size, batch_size=args.batch_size,
                      architecture=args.architecture)
    shutil.rmtree(args.out, ignore_errors=True)
    timer, started = EpochTimes(), time.perf_counter()
    model = training.train(S, args.data, args.out, precision=args.precision, progress="none", extra_callbacks=[timer])
    whole = time.perf_counter() - started
    images = len(data.index(args.data, "train", S.attributes).rows) // S.batch_size * S.batch_size
    seconds = statistics.median(timer.seconds[1:])
    result = dict(
        path="training.train", backend=keras.backend.backend(), device=train_speed.device_name(),
        architecture=S.architecture, parameters=model.count_params(), image_size=S.image_size,
        batch_size=S.batch_size, precision=model.dtype_policy.name, jit_compile=model.jit_compile,
        training_images=images, epoch_seconds=timer.seconds, losses=timer.losses, train_call_seconds=whole,
        img_s=images / seconds, date=time.strftime("%Y-%m-%d %H:%M"),
    )
    result["celeba_epoch_s"] = CELEBA_TRAIN_IMAGES / result["img_s"]
    print(f"{result['backend']} on {result['device']}: training.train, {S.architecture} CVAE "
          f"({result['parameters']:,} parameters), {S.image_size} px, batch {S.batch_size}, {result['precision']}: "
          f"{result['img_s']:,.0f} img/s = {result['celeba_epoch_s']:.1f} s per CelebA epoch (whole epochs; first "
          f"{timer.seconds[0]:.1f} s; loss {timer.losses[0]:.1f} → {timer.losses[-1]:.1f})", flush=True)
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
