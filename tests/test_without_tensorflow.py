"""Training without TensorFlow, as on a JAX-only GPU machine or Colab's TPU runtime.

The child process hides TensorFlow from Python's import system (every finder on ``sys.meta_path``
finds none of its modules), so ``import tensorflow`` fails there exactly as where it is not installed,
while the rest of this environment (Keras, JAX, PIL) is the one the suite tests.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from vae_tutorial import runs, synthetic, uint8_cache

SIZE = 16
HIDE_TENSORFLOW = textwrap.dedent("""
    import importlib.abc
    import sys

    class Hidden(importlib.abc.MetaPathFinder):
        '''A finder that finds what ``finder`` finds, but no module of TensorFlow's.'''

        def __init__(self, finder):
            self.finder = finder

        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] == "tensorflow" or not hasattr(self.finder, "find_spec"):
                return None
            return self.finder.find_spec(name, path, target)

        def __getattr__(self, name):
            return getattr(self.finder, name)

    sys.meta_path[:] = [Hidden(finder) for finder in sys.meta_path]
""")
TRAIN = HIDE_TENSORFLOW + textwrap.dedent("""
    import json
    from vae_tutorial import pipeline, settings, training, uint8_cache

    try:
        import tensorflow  # noqa: F401
        sys.exit("TensorFlow is still importable")
    except ModuleNotFoundError:
        pass
    cached_root, fresh_root, run_dir = sys.argv[1:4]
    S = settings.load(epochs=2, image_size=16, batch_size=8, latent_dim=4, attributes=("Smiling", "Eyeglasses"))
    training.train(S, cached_root, run_dir, progress="epochs")  # from the cache TensorFlow made
    uint8_cache.prepare(fresh_root, 16, progress=False)  # from the JPEGs, with PIL
    imported = sorted(name for name in sys.modules if name.partition(".")[0] == "tensorflow")
    print(json.dumps({"installed": pipeline.installed(), "imported": imported}))
""")


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    """Two copies of 120 synthetic faces: the first with a finished cache made by TensorFlow, the second none."""
    made = [synthetic.generate(tmp_path_factory.mktemp(name), n=120, seed=3, progress=False)
            for name in ("cached", "fresh")]
    uint8_cache.prepare(made[0], SIZE, progress=False)
    return made


def test_jax_trains_from_the_cache_and_pil_fills_one_without_tensorflow(roots, tmp_path):
    cached, fresh = roots
    run_dir = tmp_path / "run"
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    done = subprocess.run([sys.executable, "-c", TRAIN, str(cached), str(fresh), str(run_dir)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"installed": False, "imported": []}
    assert "Epoch 2/2" in done.stdout and (run_dir / runs.MODEL_FILE).exists()
    assert len(pd.read_csv(run_dir / runs.HISTORY_FILE)) == 2
    # The finished cache was read, not made again; the fresh one was filled with PIL.
    assert uint8_cache.read_state(uint8_cache.path(cached, SIZE))["decoder"] == "tensorflow"
    assert uint8_cache.read_state(uint8_cache.path(fresh, SIZE))["decoder"] == "pil"
    by_pil = np.load(uint8_cache.path(fresh, SIZE)).astype(float)
    by_tensorflow = np.load(uint8_cache.path(cached, SIZE)).astype(float)
    assert np.abs(by_pil - by_tensorflow).mean() < 8  # the same faces; PIL and TensorFlow resample a little differently
