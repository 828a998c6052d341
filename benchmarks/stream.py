"""Peak memory of streaming one epoch of the cold ``tf.data`` pipeline (JPEGs decoded on the fly).

    python benchmarks/stream.py ROOT [--image-size 64] [--batch-size 256]

Run it in a fresh process per data set, so one measurement cannot inflate the next. Prints one
line of JSON: images streamed, seconds, and the peak resident set size in MB.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's vae_tutorial

from vae_tutorial import pipeline, settings  # noqa: E402


def peak_rss_mb() -> float:
    """This program's peak resident set size so far: VmHWM, which, unlike ru_maxrss, does not count
    the memory of the process that started it (fork, then exec)."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024  # reported in kB


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    dataset = pipeline.make_dataset(args.root, "all", args.image_size, args.batch_size, settings.DEFAULT_ATTRIBUTES)
    images = sum(len(x) for x, _ in dataset)
    print(json.dumps({"images": images, "seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
