"""Your own images: a folder of PNGs of another size, one CSV with custom attribute names, no partition."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from vae_tutorial import data, folder, pipeline, settings

N, SIZE = 50, 16


def make_folder(root, n=N, partition=None, values=("1", "0")):
    """Squares (``bright``) or stripes (``striped``) in PNGs of 60×40 pixels, in a subfolder."""
    images = root / "pictures"
    images.mkdir(parents=True)
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        bright, striped = bool(i % 2), bool(i % 3 == 0)
        pixels = np.full((40, 60, 3), 200 if bright else 40, np.uint8)
        if striped:
            pixels[::4] = 0
        pixels += rng.integers(0, 10, pixels.shape, dtype=np.uint8)
        Image.fromarray(pixels).save(images / f"pic_{i:03d}.png")
        rows.append({"file": f"pic_{i:03d}.png", "bright": values[not bright], "striped": values[not striped]})
    table = pd.DataFrame(rows)
    if partition is not None:
        table["partition"] = partition
    table.to_csv(root / "labels.csv", index=False)
    return root


@pytest.fixture
def own(tmp_path):
    return make_folder(tmp_path / "own")


def test_a_folder_is_found_with_its_attributes_and_a_seeded_split(own):
    assert folder.is_present(own) and folder.find(own).images_dir == own / "pictures"
    assert folder.attributes(own) == ("bright", "striped")
    labels, split = folder.load(own)
    assert labels.loc["pic_001.png"].tolist() == [1, 0] and labels.loc["pic_003.png"].tolist() == [1, 1]
    assert split.value_counts().to_dict() == {"train": 40, "valid": 5, "test": 5}
    assert folder.load(own)[1].equals(split)  # the same split every time
    idx = data.index(own, "valid")
    assert idx.crop == "square" and idx.attributes == ("bright", "striped") and len(idx.paths) == 5


@pytest.mark.parametrize("values", [("true", "false"), ("1", "-1"), ("Yes", "no")])
def test_any_binary_spelling_is_read(tmp_path, values):
    root = make_folder(tmp_path / "own", values=values)
    assert folder.load(root)[0]["bright"].sum() == N // 2


def test_a_partition_column_is_used(tmp_path):
    root = make_folder(tmp_path / "own", partition=["train"] * 30 + ["1"] * 10 + ["test"] * 10)
    assert folder.load(root)[1].value_counts().to_dict() == {"train": 30, "valid": 10, "test": 10}


def test_bad_labels_and_missing_images_are_named(own):
    table = pd.read_csv(own / "labels.csv", dtype=str)
    table.loc[6, "striped"] = "maybe"
    table.to_csv(own / "labels.csv", index=False)
    with pytest.raises(folder.FolderFormatError, match=r"labels.csv, line 8: striped='maybe' is not a yes/no value"):
        folder.load(own)
    table.loc[6, "striped"] = "1"
    table.to_csv(own / "labels.csv", index=False)
    (own / "pictures" / "pic_010.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"1 image\(s\) listed in labels.csv are not in .*pic_010.png"):
        folder.load(own)


def test_settings_take_the_folder_and_its_attribute_names(own, monkeypatch):
    monkeypatch.delenv("VAE_TUTORIAL_ATTRIBUTES", raising=False)
    S = settings.load(dataset=str(own))
    assert S.attributes == ("bright", "striped")
    source = data.resolve(S)
    assert (source.name, source.root) == ("own", own)
    with pytest.raises(ValueError, match="not attributes of .*labels.csv; it has: bright, striped"):
        data.index(own, "train", ["Smiling"])


def test_both_pipelines_cut_the_centre_square(own):
    cold, conditions = pipeline.load_arrays(own, "all", SIZE)
    cached, _ = pipeline.load_arrays(own, "all", SIZE, cache=True)
    assert cold.shape == (N, SIZE, SIZE, 3) and conditions.shape == (N, 2)
    assert np.abs(cold - cached).max() <= 1 / 255 + 1e-6
    faces = np.stack([data.load_face(p, SIZE, "square") for p in data.index(own, "all").paths]) / 255
    assert np.abs(faces - cold).mean() < 0.03
    assert cold[1].mean() > 0.6 and cold[0].mean() < 0.4  # bright and dark squares


def test_train_and_evaluate_on_own_images(own, tmp_path):
    run_dir = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if not k.startswith(settings.ENV_PREFIX)}
    common = [sys.executable, "-m", "vae_tutorial"]
    trained = subprocess.run([*common, "train", "--data", str(own), "--out", str(run_dir), "--image-size", str(SIZE),
                              "--batch-size", "8", "--latent-dim", "4", "--epochs", "2"], env=env,
                             capture_output=True, text=True, timeout=600)
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert json.loads((run_dir / "settings.json").read_text())["settings"]["attributes"] == ["bright", "striped"]
    scored = subprocess.run([*common, "evaluate", "--data", str(own), "--run", str(run_dir), "--samples", "8"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert scored.returncode == 0, scored.stderr[-2000:]
    assert "bright" in scored.stdout and "striped" in scored.stdout
    result = json.loads((run_dir / "evaluation.json").read_text())
    assert result["attributes"] == ["bright", "striped"] and 0 <= result["control"]["bright"] <= 1
