"""Speed and memory of the data pipelines and the CVAEs, measured side by side in one run.

    python benchmarks/run.py [--quick | --tiny] [--json FILE] [--workdir DIR]

Every figure comes from the same synthetic files in the same run, so the ratios between them hold
even on a busy machine; each pipeline figure is the best of a few rounds taken in turn. Prints a
table and the targets of issue 6 as ratios; benchmarks/README.md explains each figure. ``--tiny``
(200 faces at 16 px, one round, the article's network only) checks in seconds that everything still
runs; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from functools import partial
from multiprocessing import Pool
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's vae_tutorial

import celeba_sized  # noqa: E402  (beside this file)
import keras  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from vae_tutorial import celeba, data, pipeline, settings, synthetic, uint8_cache  # noqa: E402

SMALL, LARGE = 5_000, 50_000  # images in the two synthetic sets
IMAGE_SIZE, BATCH_SIZE, TRAIN_BATCH_SIZE = 64, 256, 32
ATTRIBUTES = settings.DEFAULT_ATTRIBUTES
TARGETS = {  # name: (numerator, denominator, target, "min" or "max")
    "cold pipeline / decode limit": ("tfdata_cold_img_s", "decode_limit_img_s", 0.8, "min"),
    "cold pipeline / seed Sequence": ("tfdata_cold_img_s", "seed_sequence_img_s", 2.0, "min"),
    "cached / cold pipeline": ("tfdata_cached_img_s", "tfdata_cold_img_s", 10.0, "min"),
    "peak memory 50k / 5k images": ("rss_mb_large", "rss_mb_small", 1.2, "max"),
}
# The same speed ratios on an idle machine, estimated from CPU time per image: the pipelines and the
# bare decoders spread over all cores, the two Sequences run on one.
COST_RATIOS = {
    "cold pipeline / decode limit": lambda cpu: cpu["decode_limit"] / cpu["tfdata_cold"],
    "cold pipeline / seed Sequence": lambda cpu: os.cpu_count() * cpu["seed_sequence"] / cpu["tfdata_cold"],
    "cached / cold pipeline": lambda cpu: cpu["tfdata_cold"] / cpu["tfdata_cached"],
}


@dataclass(frozen=True)
class Plan:
    rounds: int  # each pipeline figure is the best of this many rounds
    train_steps: int  # timed training steps per model, after a warm-up epoch of as many
    linked_large: bool  # the 50,000-image set: the small set's JPEGs hard-linked (True) or drawn (False)
    architectures: tuple[str, ...] = ("article", "deep")  # the CVAEs whose training is timed


QUICK, FULL = Plan(rounds=3, train_steps=2, linked_large=True), Plan(rounds=5, train_steps=6, linked_large=False)
TINY = Plan(rounds=1, train_steps=1, linked_large=True, architectures=("article",))


# ---------------------------------------------------------------------------------------------
# The synthetic sets


def linked_set(small: Path, root: Path, n: int) -> Path:
    """A set of ``n`` images in CelebA's layout whose JPEGs are hard links to ``small``'s, reused in turn."""
    if celeba.is_present(root) and len(celeba.load_attributes(root)) == n:
        return root
    shutil.rmtree(root, ignore_errors=True)
    attributes = celeba.load_attributes(small)
    names = celeba_sized.write_annotations(root, attributes, n)
    source, target = celeba.images_dir(small), root / synthetic.IMAGE_DIR_NAME
    for i, name in enumerate(names):
        os.link(source / attributes.index[i % len(attributes)], target / name)
    return root


# ---------------------------------------------------------------------------------------------
# Data pipelines: each function returns the Speed of one epoch


@dataclass(frozen=True)
class Speed:
    img_s: float  # images per second, by the wall clock
    cpu_us: float  # CPU time per image, all threads (and worker processes) together, in microseconds


def _timed(count) -> Speed:
    """The speed of ``count()``, which returns how many images it went through."""
    wall, cpu = time.perf_counter(), time.process_time()
    n = count()
    return Speed(n / (time.perf_counter() - wall), 1e6 * (time.process_time() - cpu) / n)


def _decode(path, ratio: int) -> float:
    """Read one JPEG and decode it at 1/ratio of its size (libjpeg's DCT scaling), nothing else;
    return the CPU time it took."""
    started = time.process_time()
    with Image.open(path) as image:
        image.draft("RGB", (image.width // ratio, image.height // ratio))
        image.load()
    return time.process_time() - started


def decode_limit_pil(pool, paths) -> Speed:
    """A bare loop of PIL decodes, in a pool of one process per core."""
    decode = partial(_decode, ratio=data.dct_ratio(IMAGE_SIZE))
    started = time.perf_counter()
    cpu = sum(pool.map(decode, paths, chunksize=64))
    return Speed(len(paths) / (time.perf_counter() - started), 1e6 * cpu / len(paths))


def decode_limit_tf(paths) -> Speed:
    """A bare loop of TensorFlow decodes (``decode_jpeg`` at the same ratio), one thread per core,
    with tf.data's default options, as ``make_dataset`` runs."""
    import tensorflow as tf

    ratio = data.dct_ratio(IMAGE_SIZE)

    def decoded_shape(path):  # decoded as pipeline.make_dataset decodes, then only its shape is kept
        return tf.shape(tf.io.decode_jpeg(tf.io.read_file(path), channels=3, ratio=ratio, dct_method="INTEGER_FAST"))

    shapes = tf.data.Dataset.from_tensor_slices(paths).map(decoded_shape, num_parallel_calls=os.cpu_count())
    return _timed(lambda: sum(len(batch) for batch in shapes.batch(BATCH_SIZE)))


class SeedSequence(keras.utils.PyDataset):
    """The seed article's generator: each batch opens its files with PIL at full size, crops, resizes."""

    def __init__(self, idx: data.Index, image_size: int, batch_size: int):
        super().__init__()
        self.idx, self.image_size, self.batch_size = idx, image_size, batch_size

    def __len__(self):
        return -(-len(self.idx.paths) // self.batch_size)

    def __getitem__(self, batch):
        chosen = slice(batch * self.batch_size, (batch + 1) * self.batch_size)
        faces = []
        for path in self.idx.paths[chosen]:
            with Image.open(path) as image:
                faces.append(np.asarray(image.crop(data.crop_box(*image.size)).resize((self.image_size,) * 2)))
        return np.array(faces, np.float32) / 255.0, self.idx.conditions[chosen]


def _iterate(batches) -> int:
    return sum(len(x) for x, _ in batches)


def seed_sequence(root) -> Speed:
    seq = SeedSequence(data.index(root, "all", ATTRIBUTES), IMAGE_SIZE, BATCH_SIZE)
    return _timed(lambda: _iterate(seq[i] for i in range(len(seq))))


def face_sequence(root) -> Speed:
    seq = data.FaceSequence(root, "all", IMAGE_SIZE, BATCH_SIZE, ATTRIBUTES)
    return _timed(lambda: _iterate(seq[i] for i in range(len(seq))))


def tfdata(root, cache: bool, epochs: int = 1) -> Speed:
    """Epochs of ``make_dataset``, after one batch has started the pipeline."""
    dataset = pipeline.make_dataset(root, "all", IMAGE_SIZE, BATCH_SIZE, ATTRIBUTES, cache=cache)
    next(iter(dataset))
    return _timed(lambda: sum(_iterate(dataset) for _ in range(epochs)))


def prepare(root) -> Speed:
    """``uint8_cache.prepare`` from nothing: every image decoded once into the uint8 cache."""
    path = uint8_cache.path(root, IMAGE_SIZE)
    for stale in (path, path.with_suffix(".json")):
        stale.unlink(missing_ok=True)

    def count():
        uint8_cache.prepare(root, IMAGE_SIZE, progress=False)
        return len(np.load(path, mmap_mode="r"))

    return _timed(count)


def pipelines(root, rounds: int) -> dict:
    """``<figure>_img_s``: the fastest of ``rounds`` rounds of each pipeline, taken in turn, and
    ``cpu_us_per_img``: the least CPU time per image each took. The decode limit is the better of
    two bare decoders, PIL's and TensorFlow's."""
    paths = list(data.index(root, "all").paths)
    pool = Pool(os.cpu_count())  # forked before TensorFlow starts its threads
    figures = {
        "decode_limit_pil": lambda: decode_limit_pil(pool, paths),
        "decode_limit_tf": lambda: decode_limit_tf(paths),
        "seed_sequence": lambda: seed_sequence(root),
        "face_sequence": lambda: face_sequence(root),
        "tfdata_cold": lambda: tfdata(root, cache=False),
        "prepare": lambda: prepare(root),
        "tfdata_cached": lambda: tfdata(root, cache=True, epochs=5),
    }
    speed = dict.fromkeys(figures, 0.0)
    cpu = dict.fromkeys(figures, float("inf"))
    for round_ in range(rounds):
        for name, measure in figures.items():
            result = measure()
            speed[name], cpu[name] = max(speed[name], result.img_s), min(cpu[name], result.cpu_us)
            print(f"  round {round_ + 1}/{rounds}  {name:<18} {result.img_s:>9,.0f} img/s {result.cpu_us:>7,.1f} "
                  f"CPU µs/img", flush=True)
    pool.close()
    speed["decode_limit"] = max(speed["decode_limit_pil"], speed["decode_limit_tf"])
    cpu["decode_limit"] = min(cpu["decode_limit_pil"], cpu["decode_limit_tf"])
    return {**{f"{name}_img_s": value for name, value in speed.items()}, "cpu_us_per_img": cpu}


# ---------------------------------------------------------------------------------------------
# Training and memory: each in a fresh process


def _run_json(args, env=None) -> dict:
    """Run a Python helper in a fresh process; return the JSON of its last output line."""
    done = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def backends() -> list[str]:
    """Keras backends installed here: TensorFlow, and JAX where installed."""
    names = ["tensorflow"]
    try:
        import jax  # noqa: F401
    except ImportError:
        return names
    return names + ["jax"]


def training(root, steps: int, architectures) -> dict:
    """Training images per second of each CVAE on each backend (a warm-up epoch, then one timed)."""
    speeds = {}
    for backend in backends():
        for architecture in architectures:
            result = _run_json([HERE / "train_speed.py", "--data", root, "--image-size", IMAGE_SIZE, "--architecture",
                                architecture, "--batch-size", TRAIN_BATCH_SIZE, "--steps", steps, "--epochs", 2],
                               env={"KERAS_BACKEND": backend})
            speeds.setdefault(backend, {})[architecture] = result["img_s"]
            print(f"  train {backend:<10} {architecture:<4} {result['img_s']:>9,.1f}", flush=True)
    return speeds


def peak_memory(root) -> float:
    return _run_json([HERE / "stream.py", root, "--image-size", IMAGE_SIZE])["peak_rss_mb"]


# ---------------------------------------------------------------------------------------------
# Report


def machine() -> dict:
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(),
                tensorflow=_version("tensorflow", "tensorflow-cpu"), keras=_version("keras"), jax=_version("jax"),
                load_average=os.getloadavg())


def _version(*distributions: str) -> str | None:
    """The version of the first of these distributions that is installed."""
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def ratios(results: dict) -> dict:
    """Each target of issue 6 that this machine can measure: the ratio, the target, whether it is
    met, and the idle-machine estimate from CPU time where there is one."""
    table = {}
    for name, (num, den, target, kind) in TARGETS.items():
        value = results[num] / results[den]
        table[name] = dict(ratio=value, target=target, met=value >= target if kind == "min" else value <= target)
        if name in COST_RATIOS:
            table[name]["from_cpu_time"] = COST_RATIOS[name](results["cpu_us_per_img"])
    return table


def show(results: dict) -> str:
    """The figures, then the targets, as two tables."""
    cpu = results["cpu_us_per_img"]
    lines = [f"{'figure':<28} {'value':>10} {'CPU µs/img':>11}"]
    for name, value in results.items():
        if isinstance(value, (int, float)):
            base = name.removesuffix("_img_s")
            lines.append(f"{name:<28} {value:>10,.1f} " + (f"{cpu[base]:>11,.1f}" if base in cpu else ""))
    for backend, speeds in results["train_img_s"].items():
        for architecture, value in speeds.items():
            lines.append(f"{f'train_img_s {backend} {architecture}':<28} {value:>10,.1f}")
    lines += ["", f"{'target':<30} {'ratio':>7} {'target':>8}  met  {'from CPU time':>13}"]
    for name, row in results["ratios"].items():
        sign = "≥" if TARGETS[name][3] == "min" else "≤"
        met = "yes" if row["met"] else "NO"
        cost = f"{row['from_cpu_time']:>13.2f}" if "from_cpu_time" in row else ""
        lines.append(f"{name:<30} {row['ratio']:>7.2f} {sign}{row['target']:>7.2f}  {met:<4} {cost}")
    return "\n".join(lines)


def main(argv=None) -> dict:
    global SMALL, LARGE, IMAGE_SIZE  # --tiny makes them small
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and steps; the large set hard-linked")
    parser.add_argument("--tiny", action="store_true", help="200 faces at 16 px, one round: a check that it runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--workdir", type=Path, default=settings.load().data_dir / "benchmarks",
                        help="where the synthetic sets are kept between runs")
    args = parser.parse_args(argv)
    plan = TINY if args.tiny else QUICK if args.quick else FULL
    if args.tiny:
        SMALL, LARGE, IMAGE_SIZE = 200, 400, 16
    started = time.perf_counter()
    before = machine()

    print(f"synthetic sets in {args.workdir} …", flush=True)
    progress = sys.stderr.isatty()
    small = synthetic.generate(args.workdir / f"synthetic_{SMALL}", SMALL, seed=0, progress=progress)
    large = (linked_set(small, args.workdir / f"linked_{LARGE}", LARGE) if plan.linked_large
             else synthetic.generate(args.workdir / f"synthetic_{LARGE}", LARGE, seed=0, progress=progress))
    print("data pipelines …", flush=True)
    results = pipelines(small, plan.rounds)
    print("training …", flush=True)
    results["train_img_s"] = training(small, plan.train_steps, plan.architectures)
    print("peak memory while streaming …", flush=True)
    results["rss_mb_small"], results["rss_mb_large"] = peak_memory(small), peak_memory(large)
    results["ratios"] = ratios(results)
    results["run"] = dict(plan=asdict(plan), quick=args.quick, tiny=args.tiny, images=SMALL, large_images=LARGE,
                          image_size=IMAGE_SIZE, batch_size=BATCH_SIZE, train_batch_size=TRAIN_BATCH_SIZE,
                          seconds=time.perf_counter() - started, machine=before,
                          load_average_after=os.getloadavg(), date=time.strftime("%Y-%m-%d %H:%M"))
    print(show(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
