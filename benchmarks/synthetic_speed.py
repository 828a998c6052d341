"""How fast does ``vae_tutorial.synthetic.generate`` draw and write faces on one core?

    taskset -c 0 python benchmarks/synthetic_speed.py [--n 1000] [--dir data]

Prints a small table, then one line of JSON: images per second for drawing only (in memory) and for the
whole ``generate`` call (drawing, JPEG encoding, writing the files), by wall-clock time and by the process's
CPU time. On a shared machine the CPU-time rate is the steadier measure of what one free core would do.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vae_tutorial import synthetic  # noqa: E402


def _rates(work, n: int) -> tuple[float, float]:
    """Images per second of ``work()`` by wall-clock time and by CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return n / (time.perf_counter() - wall), n / (time.process_time() - cpu)


def _draw(n: int) -> None:
    for index in range(n):
        synthetic.sample_face(0, index)


def _generate(n: int, parent: str | None) -> None:
    with tempfile.TemporaryDirectory(dir=parent) as folder:
        synthetic.generate(Path(folder) / "synthetic", n=n, seed=0, progress=False)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="images per measurement (e.g. 20: a check that it runs)")
    parser.add_argument("--dir", default=None, help="write the files under this folder (default: system temp)")
    args = parser.parse_args(argv)
    n = args.n
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    _draw(20)  # warm up imports and caches
    rows = [("draw in memory", _rates(lambda: _draw(n), n)),
            ("generate (draw + JPEG + write)", _rates(lambda: _generate(n, args.dir), n))]
    print(f"synthetic faces, n={n}, one process on core(s) {cores}, load average {os.getloadavg()[0]:.1f}")
    print(f"  {'':<32} {'images/s (wall)':>16} {'images/s (CPU)':>15} {'CPU ms/image':>13}")
    for name, (wall, cpu) in rows:
        print(f"  {name:<32} {wall:16.0f} {cpu:15.0f} {1000 / cpu:13.2f}")
    result = {name: {"img_s_wall": wall, "img_s_cpu": cpu} for name, (wall, cpu) in rows}
    print(json.dumps({"n": n, **result}))
    return result


if __name__ == "__main__":
    main()
