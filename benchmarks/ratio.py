"""The reader's own path against the device-feed limit, from the JSON lines that ``reader_speed.py``
and ``train_speed.py --feed device`` printed in the same run.

    python benchmarks/ratio.py OWN.json LIMIT.json [--goal 0.8]

Prints a table (images/s, seconds per CelebA epoch) and the ratio own / limit against the goal,
then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def last_json(path: Path) -> dict:
    """The last JSON line of a benchmark's output."""
    return json.loads([line for line in path.read_text().splitlines() if line.startswith("{")][-1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("own", type=Path, help="reader_speed.py's output")
    parser.add_argument("limit", type=Path, help="train_speed.py --feed device's output")
    parser.add_argument("--goal", type=float, default=0.8)
    args = parser.parse_args(argv)
    own, limit = last_json(args.own), last_json(args.limit)
    ratio = own["img_s"] / limit["img_s"]
    print(f"{'path':<44} {'img/s':>10} {'s per CelebA epoch':>19}")
    rows = ("training.train (the reader's own path)", own), ("device feed (train_speed.py, the limit)", limit)
    for name, run in rows:
        print(f"{name:<44} {run['img_s']:>10,.0f} {run['celeba_epoch_s']:>19.1f}")
    met = "met" if ratio >= args.goal else "NOT met"
    print(f"own path / limit: {ratio:.2f} (goal ≥ {args.goal}: {met}) on {own['device']}, {own['backend']}, "
          f"{own['architecture']}, {own['image_size']} px, batch {own['batch_size']}")
    result = dict(ratio=ratio, goal=args.goal, met=ratio >= args.goal, own=own, limit=limit)
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
