"""Does the input pipeline limit training? Whole training epochs, side by side, fed two ways.

    python benchmarks/epoch_feed.py [--tiny] [--json FILE]

The reader's CVAE (the default settings: synthetic faces, 32 px, the article's network, batch 64) is
trained for whole epochs, fed in turns by
  * ``cache``  — ``pipeline.make_dataset(cache=True)``, what notebook 03 and ``train`` use;
  * ``memory`` — the same faces already in memory as float32, through ``tf.data.Dataset.from_tensor_slices``:
    no reading and no scaling at all, so an upper bound for any speed trick in the input pipeline.
The ratio cache / memory says how much any input trick could still gain on this path: at 0.97, at most 3 %.
Each figure is the best of a few rounds taken in turn. ``--tiny`` runs in seconds (a smoke test).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's vae_tutorial

import tensorflow as tf  # noqa: E402

from vae_tutorial import models, pipeline, settings, synthetic  # noqa: E402


def _epoch_seconds(model, dataset) -> float:
    start = time.perf_counter()
    model.fit(dataset, epochs=1, verbose=0)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a few hundred faces at 16 px, one round: seconds")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    S = settings.load(dataset="synthetic")
    n, size, rounds = (300, 16, 1) if args.tiny else (5000, S.image_size, 3)
    with tempfile.TemporaryDirectory() as work:
        root = synthetic.generate(Path(work) / "faces", n=n, seed=0, progress=False)
        cached = pipeline.make_dataset(root, "train", size, S.batch_size, S.attributes, cache=True,
                                       cache_dir=Path(work) / "cache")
        images, conditions = pipeline.load_arrays(root, "train", size, S.attributes, cache=True,
                                                  cache_dir=Path(work) / "cache")
        memory = (tf.data.Dataset.from_tensor_slices((images, conditions)).shuffle(len(images), seed=0)
                  .batch(S.batch_size).prefetch(tf.data.AUTOTUNE))
        cached, memory = (ds.map(lambda x, c: ((x, c),)) for ds in (cached, memory))  # fit passes (x, c) whole
        model = models.build_cvae(size, S.latent_dim, n_conditions=len(S.attributes), beta=S.beta, seed=0)
        model.compile(optimizer="adam")
        model.fit(memory.take(2), epochs=1, verbose=0)  # compile once, outside the timing
        best = {"cache": float("inf"), "memory": float("inf")}
        for _ in range(rounds):
            for name, dataset in (("cache", cached), ("memory", memory)):
                best[name] = min(best[name], _epoch_seconds(model, dataset))
    figures = {f"{name}_img_s": len(images) / seconds for name, seconds in best.items()}
    figures["cache_over_memory"] = figures["cache_img_s"] / figures["memory_img_s"]
    print(f"Whole training epochs of {len(images)} faces at {size} px, batch {S.batch_size}, best of {rounds}:")
    print(f"{'feed':<8} {'images/s':>10}")
    for name in best:
        print(f"{name:<8} {figures[name + '_img_s']:>10,.0f}")
    print(f"ratio cache / memory: {figures['cache_over_memory']:.3f} "
          f"(an input trick can gain at most {max(0.0, 1 - figures['cache_over_memory']):.1%} here)")
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
