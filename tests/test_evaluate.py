import json
import re
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from vae_tutorial import evaluate, models, runs, synthetic, training

ATTRIBUTES = ["Smiling", "Eyeglasses", "Male"]
SIZE = 8


class Painter:
    """A stand-in decoder that paints condition i into pixel column i (it obeys every condition)."""

    inputs = [SimpleNamespace(shape=(None, 4)), SimpleNamespace(shape=(None, len(ATTRIBUTES)))]

    def __init__(self, obeys=True):
        self.obeys = obeys

    def __call__(self, inputs, training=False):
        z, c = inputs
        images = np.zeros((len(z), SIZE, SIZE, 3), "float32")
        images[:, 0, : len(ATTRIBUTES), 0] = c if self.obeys else 0
        return images


class Reader:
    """A stand-in judge that reads the painted conditions back."""

    def __call__(self, images, training=False):
        return images[:, 0, : len(ATTRIBUTES), 0]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return synthetic.generate(tmp_path_factory.mktemp("synthetic"), n=60, seed=5, progress=False)


@pytest.fixture(scope="module")
def run_dir(root, tmp_path_factory):
    """A run folder whose judge (trained for one epoch only, to stay fast) is cached."""
    folder = tmp_path_factory.mktemp("run")
    evaluate.load_or_train_judge(folder, root, ATTRIBUTES, SIZE, epochs=1)
    return folder


@pytest.fixture(scope="module")
def cvae():
    keras.utils.set_random_seed(0)
    return models.build_cvae(image_size=SIZE, latent_dim=4, n_conditions=len(ATTRIBUTES))


def test_judge_has_one_probability_per_attribute():
    for size in (8, 32, 64):
        judge = evaluate.build_judge(size, 6)
        assert judge.output.shape[1:] == (6,)
        assert 0 <= float(judge.predict(np.zeros((1, size, size, 3)), verbose=0).min())


def test_control_is_the_fraction_judged_as_intended():
    pool = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0]], "float32")
    obeying = evaluate.attribute_control(SimpleNamespace(decoder=Painter()), Reader(), pool, ATTRIBUTES, n=20)
    assert obeying == {name: {"1": 1.0, "0": 1.0} for name in ATTRIBUTES}
    ignoring = evaluate.attribute_control(SimpleNamespace(decoder=Painter(obeys=False)), Reader(), pool,
                                          ATTRIBUTES, n=20)
    assert ignoring == {name: {"1": 0.0, "0": 1.0} for name in ATTRIBUTES}


def test_evaluation_numbers_have_the_promised_shape_and_ranges(root, cvae, run_dir):
    result = evaluate.evaluate(cvae, root, run_dir, ATTRIBUTES, n=8)
    saved = json.loads((run_dir / runs.RESULT_FILE).read_text())
    assert saved == result
    for key in ("control", "judge_accuracy"):
        assert list(result[key]) == ATTRIBUTES
        assert all(0 <= v <= 1 for v in result[key].values())
    assert all(v in (k / 8 for k in range(9)) for by in result["control_by_value"].values() for v in by.values())
    assert 0 < result["reconstruction_mse"] < 1
    text = evaluate.table(result)
    assert all(name.replace("_", " ") in text for name in ATTRIBUTES) and "Reconstruction error" in text
    assert re.match(r"\| attribute +\|", evaluate.table(result, markdown=True))


def test_judge_is_cached_in_the_run_folder(root, run_dir, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("the cached judge should have been used")

    monkeypatch.setattr(evaluate, "train_judge", no_training)
    _, accuracy = evaluate.load_or_train_judge(run_dir, root, ATTRIBUTES, SIZE)
    assert accuracy == json.loads((run_dir / runs.JUDGE_INFO_FILE).read_text())["accuracy"]
    assert list(accuracy) == ATTRIBUTES and all(0 <= v <= 1 for v in accuracy.values())
    for other in ((ATTRIBUTES[:2], SIZE), (ATTRIBUTES, 2 * SIZE)):  # another judge is needed
        with pytest.raises(AssertionError, match="cached"):
            evaluate.load_or_train_judge(run_dir, root, *other)


def test_another_run_is_scored_by_the_judge_of_judge_dir(root, cvae, run_dir, tmp_path, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("the judge of judge_dir should have been used")

    monkeypatch.setattr(evaluate, "train_judge", no_training)
    other = tmp_path / "other_run"
    other.mkdir()
    result = evaluate.evaluate(cvae, root, other, ATTRIBUTES, n=4, judge_dir=run_dir)
    assert result["judge_accuracy"] == json.loads((run_dir / runs.JUDGE_INFO_FILE).read_text())["accuracy"]
    assert json.loads((other / runs.RESULT_FILE).read_text()) == result  # the result goes to the run scored
    assert not (other / runs.JUDGE_FILE).exists() and not (other / runs.JUDGE_INFO_FILE).exists()


def test_reconstruction_error_is_the_mean_squared_pixel_difference(cvae):
    images = np.random.default_rng(0).random((5, SIZE, SIZE, 3)).astype("float32")
    conditions = np.ones((5, len(ATTRIBUTES)), "float32")
    z = models.encode(cvae, images, conditions)
    expected = np.mean((models.decode(cvae, z, conditions) - images) ** 2)
    assert evaluate.reconstruction_mse(cvae, images, conditions) == pytest.approx(expected)


def test_errors_name_the_problem_and_the_fix(root, cvae, tmp_path):
    with pytest.raises(FileNotFoundError, match="notebook 03"):
        runs.run_attributes(tmp_path)
    with pytest.raises(ValueError, match="takes 3 conditions"):
        evaluate.evaluate(cvae, root, tmp_path, ATTRIBUTES[:2])


def test_command_line_prints_the_table_and_writes_the_json(root, cvae, run_dir, capsys):
    from vae_tutorial.__main__ import main

    cvae.save(run_dir / "model.keras")
    (run_dir / "settings.json").write_text(json.dumps({"settings": {"attributes": ATTRIBUTES}}))
    assert main(["evaluate", "--data", str(root), "--run", str(run_dir), "--samples", "4"]) == 0
    printed = capsys.readouterr().out
    assert "judge accuracy" in printed and "Reconstruction error" in printed
    assert json.loads((run_dir / runs.RESULT_FILE).read_text())["samples_per_setting"] == 4


def test_load_or_train_says_when_it_trains(tmp_path, monkeypatch, capsys):
    from vae_tutorial import data, settings

    calls = []
    monkeypatch.setattr(training, "train", lambda S, root, run_dir, **options: calls.append(run_dir) or "model")
    S = settings.load(data_dir=tmp_path)
    source = data.Source("synthetic", tmp_path / "faces")
    assert training.load_or_train(S, source) == "model"
    assert calls == [S.run_dir("synthetic")] and "training one now" in capsys.readouterr().out
    S.run_dir("synthetic").mkdir(parents=True)
    (S.run_dir("synthetic") / runs.MODEL_FILE).touch()
    training.load_or_train(S, source)  # a finished run: train() only loads it, and says so itself
    assert "training one now" not in capsys.readouterr().out
