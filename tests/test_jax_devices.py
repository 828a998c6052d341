"""Every local device on Keras' JAX backend: ``--distribute`` splits each batch over them
(``keras.distribution.DataParallel``), tested on a CPU that XLA splits into two devices."""

import json
import math
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from vae_tutorial import data, runs, synthetic

TINY = ["--image-size", "16", "--batch-size", "8", "--latent-dim", "4", "--attributes", "Smiling,Eyeglasses"]
TWO_CPUS = {"KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
# The cache's PyDataset with the faces on the device gives the batches it gives from the host.
SAME_BATCHES = textwrap.dedent("""
    import json, sys
    import numpy as np
    from vae_tutorial import data, devices, uint8_cache

    root = sys.argv[1]
    images, index = uint8_cache.read(root, 16), data.index(root, "train", ["Smiling"])
    host, device = (uint8_cache.Batches(images, index, 32, seed=1, on_device=flag) for flag in (False, True))
    same = all(np.array_equal(np.asarray(a), np.asarray(b))
               for k in range(len(host)) for a, b in zip(host[k][0], device[k][0]))
    found = devices.find_devices(distribute=True)
    print(json.dumps({"same": same, "batches": len(host), "names": found.names,
                      "distribution": type(found.distribution).__name__}))
""")


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    return synthetic.generate(tmp_path_factory.mktemp("faces"), n=120, seed=1, progress=False)


def test_distribute_splits_each_batch_over_two_jax_devices(faces, tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "vae_tutorial", "train", "--data", str(faces), "--out", str(run_dir), *TINY,
               "--epochs", "1", "--distribute", "--beta", "2"]
    done = subprocess.run(command, env={**os.environ, **TWO_CPUS}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "device(s)       CPU:0, CPU:1" in done.stdout
    row = pd.read_csv(run_dir / runs.HISTORY_FILE).iloc[0]
    assert row["loss"] == pytest.approx(row["reconstruction"] + 2 * row["kl"], rel=1e-4)

    checked = subprocess.run([sys.executable, "-c", SAME_BATCHES, str(faces)], env={**os.environ, **TWO_CPUS},
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stderr[-3000:]
    batches = math.ceil(len(data.index(faces, "train", ["Smiling"]).rows) / 32)
    assert json.loads(checked.stdout.strip().splitlines()[-1]) == {
        "same": True, "batches": batches, "names": ["CPU:0", "CPU:1"], "distribution": "DataParallel"}
