"""Every benchmark still runs: each script under benchmarks/ in its tiny mode (a few hundred faces at
16 px), checked for its table and its JSON. The figures of a tiny run mean nothing; speed claims come
from full runs (benchmarks/README.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
# Scripts that the runs below start themselves.
STARTED_BY_OTHERS = {"celeba_sized.py", "reader_speed.py", "train_speed.py", "ratio.py", "epoch_costs.py",
                     "gpu_quality.py", "stream.py"}


def _run(args, **env) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=BENCHMARKS.parent,
                          env={**os.environ, **env})
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done.stdout


def _last_json(text: str) -> dict:
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


def test_the_gpu_script_measures_the_readers_path_beside_the_limit(tmp_path):
    out = tmp_path / "gpu"
    log = _run(["bash", str(BENCHMARKS / "gpu.sh"), str(out)], TINY="1", PYTHON=sys.executable)
    own, limit, ratio = (_last_json((out / name).read_text()) for name in ("own.txt", "limit.txt", "ratio.txt"))
    assert own["path"] == "training.train" and own["backend"] == "jax" and own["architecture"] == "deep"
    assert limit["feed"] == "device" and limit["architecture"] == "deep"
    assert ratio["ratio"] == pytest.approx(own["img_s"] / limit["img_s"])
    assert "own path / limit: " in log and "training.train (the reader's own path)" in log
    costs = _last_json((out / "costs.txt").read_text())
    assert {"SampleFaces", "RunFolder"} <= set(costs["epoch_end_s"]) and set(costs["batch_s"]) == {"host", "device"}
    quality = _last_json((out / "quality.txt").read_text())
    assert quality["epochs"] == 2 and "judge_accuracy" in quality["evaluation"]
    runs = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    assert [(run["architecture"], run["feed"], run["mixed_precision"]) for run in runs] == [("deep", "fit", True)]
    assert len(list(out.iterdir())) <= 9  # the 8 files a lent machine sends back, and the scratch folder


def test_the_cpu_benchmark_prints_its_tables_and_json(tmp_path):
    log = _run([sys.executable, str(BENCHMARKS / "run.py"), "--tiny", "--workdir", str(tmp_path),
                "--json", str(tmp_path / "tiny.json")])
    assert "tfdata_cached_img_s" in log and "cold pipeline / decode limit" in log
    results = json.loads((tmp_path / "tiny.json").read_text())
    assert results["run"]["tiny"] and set(results["train_img_s"]["tensorflow"]) == {"article"}
    assert results["rss_mb_small"] > 0 and set(results["ratios"]) == {
        "cold pipeline / decode limit", "cold pipeline / seed Sequence", "cached / cold pipeline",
        "peak memory 50k / 5k images"}


@pytest.mark.parametrize("script, options, heading, key", [
    ("celeba_parse.py", ["--tiny"], "celeba.load_attributes (vectorised)", "speedup"),
    ("synthetic_speed.py", ["--n", "20"], "generate (draw + JPEG + write)", "n"),
    ("epoch_feed.py", ["--tiny"], "ratio cache / memory", "cache_over_memory"),
])
def test_each_small_benchmark_prints_its_table_and_json(script, options, heading, key):
    log = _run([sys.executable, str(BENCHMARKS / script), *options])
    assert heading in log and key in _last_json(log)


def test_every_benchmark_script_is_run_above():
    run_above = {"gpu.sh", "run.py", "celeba_parse.py", "synthetic_speed.py", "epoch_feed.py"}
    scripts = {path.name for path in BENCHMARKS.iterdir() if path.suffix in (".py", ".sh")}
    assert scripts == run_above | STARTED_BY_OTHERS
