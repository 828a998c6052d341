"""How long parsing CelebA's full-size annotation files takes.

Writes a 202,599-row ``list_attr_celeba.txt`` and ``list_eval_partition.txt`` in the official format
(random values) to a temporary folder and times ``load_attributes`` and ``load_partition`` against a
plain line-by-line Python parser, as a table with the ratio, then one line of JSON.

    python benchmarks/celeba_parse.py [--tiny]      (--tiny: 2,000 rows, once: a check that it runs)
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from vae_tutorial import celeba

ROWS = 202_599
REPEATS = 5


def write_official(root: Path, rows: int = ROWS) -> celeba.Layout:
    """An official layout of ``rows`` images, full size by default (no images needed for parsing)."""
    names = pd.Index([f"{i:06d}.jpg" for i in range(1, rows + 1)], name="image_id")
    values = np.random.default_rng(0).integers(0, 2, size=(rows, len(celeba.ATTRIBUTES)), dtype=np.int8)
    codes = np.searchsorted([162_770, 182_637], np.arange(rows), side="right")  # CelebA's own split
    partition = pd.Series(np.array(celeba.PARTITIONS)[codes], index=names)
    for folder in ("Img/img_align_celeba", "Anno", "Eval"):
        (root / folder).mkdir(parents=True)
    attributes = pd.DataFrame(values, index=names, columns=celeba.ATTRIBUTES)
    celeba.write_attributes_txt(root / "Anno/list_attr_celeba.txt", attributes)
    celeba.write_partition_txt(root / "Eval/list_eval_partition.txt", partition)
    return celeba.find(root)


def line_by_line(path: Path) -> dict:
    """The obvious pure-Python parser, as the baseline."""
    with open(path) as file:
        lines = file.read().splitlines()[2:]
    return {name: [int(v) > 0 for v in values] for name, *values in map(str.split, lines)}


def best_of(function, argument, repeats: int = REPEATS) -> tuple[float, float]:
    """Best wall-clock and CPU seconds (all threads) of ``repeats`` calls; CPU time shows through a busy machine."""
    times = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function(argument)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(t[0] for t in times), min(t[1] for t in times)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="2,000 rows, once: a check that it runs")
    args = parser.parse_args(argv)
    rows, repeats = (2000, 1) if args.tiny else (ROWS, REPEATS)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        layout = write_official(Path(folder), rows)
        written = time.perf_counter() - start
        size = layout.attributes_file.stat().st_size / 1e6
        fast = best_of(celeba.load_attributes, layout, repeats)
        slow = best_of(line_by_line, layout.attributes_file, repeats)
        partition = best_of(celeba.load_partition, layout, repeats)
    print(f"{rows:,} rows; list_attr_celeba.txt is {size:.1f} MB, written in {written:.2f} s; best of {repeats}")
    print(f"{'parser':<42}{'wall s':>8}{'CPU s':>8}")
    for name, (wall, cpu) in [
        ("celeba.load_attributes (vectorised)", fast),
        ("line-by-line Python (baseline)", slow),
        ("celeba.load_partition", partition),
    ]:
        print(f"{name:<42}{wall:8.3f}{cpu:8.3f}")
    print(f"load_attributes is {slow[0] / fast[0]:.1f}x faster than the baseline (wall clock)")
    result = dict(rows=rows, repeats=repeats, load_attributes_s=fast[0], line_by_line_s=slow[0],
                  load_partition_s=partition[0], speedup=slow[0] / fast[0])
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
