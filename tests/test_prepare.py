"""``python -m vae_tutorial prepare``: the uint8 cache, made once and resumable."""

from functools import partial

import numpy as np
import pytest

from vae_tutorial import __main__ as cli
from vae_tutorial import pipeline, synthetic, uint8_cache

N, SIZE, CHUNK = 20, 16, 8


@pytest.fixture
def root(tmp_path):
    return synthetic.generate(tmp_path / "synthetic", n=N, seed=5, progress=False)


def test_an_interrupted_prepare_continues_to_the_same_cache(root, tmp_path, monkeypatch, capsys):
    reference = np.load(uint8_cache.prepare(root, SIZE, cache_dir=tmp_path / "reference", progress=False))
    monkeypatch.setattr(uint8_cache, "prepare", partial(uint8_cache.prepare, chunk=CHUNK))
    record = uint8_cache.record_progress

    def interrupt_after_recording(*args):
        record(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(uint8_cache, "record_progress", interrupt_after_recording)
    argv = ["prepare", "--data", str(root), "--image-size", str(SIZE)]
    assert cli.main(argv) == 130
    assert "run the same command again" in capsys.readouterr().err
    assert uint8_cache.progress(root, SIZE) == (CHUNK, N)

    monkeypatch.setattr(uint8_cache, "record_progress", record)
    assert cli.main(argv) == 0
    assert f"continuing after {CHUNK} of {N} images" in capsys.readouterr().out
    assert uint8_cache.progress(root, SIZE) == (N, N)
    np.testing.assert_array_equal(np.load(uint8_cache.path(root, SIZE)), reference)


def test_a_finished_cache_is_not_made_again(root, monkeypatch):
    uint8_cache.prepare(root, SIZE, progress=False)
    monkeypatch.setattr(pipeline, "_face_decoder", None)  # decoding anything now would fail
    assert cli.main(["prepare", "--data", str(root), "--image-size", str(SIZE)]) == 0


def test_a_cache_of_another_data_set_is_not_reused(root, tmp_path):
    path = uint8_cache.prepare(root, SIZE, progress=False)
    uint8_cache.record_progress(path, N + 1, N + 1)  # as if written for a set of another size
    assert uint8_cache.progress(root, SIZE) == (0, N)
