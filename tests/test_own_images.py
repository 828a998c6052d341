"""Your own images: a folder of PNGs of another size, one CSV with custom attribute names, no partition."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from celeba_fixtures import write_celeba
from PIL import Image

from vae_tutorial import data, folder, pipeline, settings
from vae_tutorial.__main__ import main

N, SIZE = 50, 16


def make_folder(root, n=N, partition=None, values=("1", "0"), **columns):
    """Squares (``bright``) or stripes (``striped``) in PNGs of 60×40 pixels, in a subfolder; ``columns``:
    more attributes, each a list of n values."""
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
    table = pd.DataFrame(rows).assign(**columns)
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
    with pytest.raises(FileNotFoundError, match=r"1 image\(s\) listed in .*labels.csv are not in .*pic_010.png"):
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


def test_a_stray_picture_beside_the_csv_does_not_hide_the_subfolder_of_images(own):
    Image.fromarray(np.zeros((30, 20, 3), np.uint8)).save(own / "cover.jpg")
    assert folder.find(own).images_dir == own / "pictures"
    assert len(folder.load(own)[0]) == N


def test_small_folders_get_a_split_that_works_or_say_what_to_do(tmp_path):
    ten = make_folder(tmp_path / "ten", n=10)
    assert folder.load(ten)[1].value_counts().to_dict() == {"train": 8, "valid": 1, "test": 1}
    five = make_folder(tmp_path / "five", n=5)
    assert len(data.index(five, "train").paths) == 5
    with pytest.raises(ValueError) as caught:
        data.index(five, "valid")
    assert str(caught.value) == (f"{five / 'labels.csv'}: 5 image(s): too few for an automatic 80/10/10 split (at "
                                 f"least 10 give every split an image); add a 'partition' column (train/valid/test) "
                                 f"or more images.")
    named = make_folder(tmp_path / "named", n=5, partition=["train"] * 4 + ["test"])
    with pytest.raises(ValueError, match=r"its 'partition' column puts no image in the 'valid' split: mark some lines"):
        data.index(named, "valid")


def test_constant_and_nearly_constant_attributes_are_warned_about(tmp_path, capsys):
    root = make_folder(tmp_path / "own", n=200, hat=[0] * 200, rare=[1] + [0] * 199)
    warnings = folder.attribute_warnings(root)
    assert len(warnings) == 2
    assert "attribute 'hat' is 0 for all 200 images" in warnings[0] and "accuracy for it (1.000)" in warnings[0]
    assert "attribute 'rare' is 1 for only 1 of 200 images" in warnings[1] and "scores 0.995" in warnings[1]
    data.resolve(settings.load(dataset=str(root), attributes=("bright", "hat")))
    assert capsys.readouterr().out == f"WARNING: {warnings[0]}\n"


def verify(root, *options):
    return main(["verify", "--data", str(root), *options])


def test_verify_reports_on_a_folder_of_own_images(own, capsys):
    assert verify(own, "--images") == 0
    assert capsys.readouterr().out.endswith("every listed image on disk can be read\nAll checks passed.\n")
    pictures = own / "pictures"
    (pictures / "pic_003.png").unlink()
    (pictures / "pic_004.png").write_bytes(b"")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(pictures / "unlabelled.png")
    table = pd.read_csv(own / "labels.csv", dtype=str).assign(hat="0")
    table.to_csv(own / "labels.csv", index=False)
    assert verify(own, "--images") == 1
    out = capsys.readouterr().out
    assert "missing (listed, not on disk): 1 (pic_003.png); add them, or remove their lines from labels.csv" in out
    assert "not listed (on disk, not in labels.csv; not used): 1 (unlabelled.png)" in out
    assert "pic_004.png: not a picture" in out and "attribute 'hat' is 0 for all 50 images" in out
    assert "CelebA" not in out and out.endswith("PROBLEMS FOUND (see above).\n")
    table.loc[3, "hat"] = "maybe"
    table.to_csv(own / "labels.csv", index=False)
    assert verify(own) == 1
    assert "labels.csv, line 5: hat='maybe' is not a yes/no value" in capsys.readouterr().out


def test_verify_still_checks_celeba(tmp_path, capsys):
    assert verify(write_celeba(tmp_path, "kaggle"), "--no-md5") == 0
    assert capsys.readouterr().out.startswith("CelebA (kaggle layout)")


def test_train_and_evaluate_on_own_images(tmp_path):
    own = make_folder(tmp_path / "own", hat=[0] * N)
    run_dir = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if not k.startswith(settings.ENV_PREFIX)}
    common = [sys.executable, "-m", "vae_tutorial"]
    trained = subprocess.run([*common, "train", "--data", str(own), "--out", str(run_dir), "--image-size", str(SIZE),
                              "--batch-size", "8", "--latent-dim", "4", "--epochs", "2"], env=env,
                             capture_output=True, text=True, timeout=600)
    assert trained.returncode == 0, trained.stderr[-2000:]
    constant = f"WARNING: {own / 'labels.csv'}: attribute 'hat' is 0 for all {N} images"
    assert constant in trained.stdout
    assert json.loads((run_dir / "settings.json").read_text())["settings"]["attributes"] == ["bright", "striped",
                                                                                              "hat"]
    scored = subprocess.run([*common, "evaluate", "--data", str(own), "--run", str(run_dir), "--samples", "8"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert scored.returncode == 0, scored.stderr[-2000:]
    assert "bright" in scored.stdout and "striped" in scored.stdout and constant in scored.stdout
    result = json.loads((run_dir / "evaluation.json").read_text())
    assert result["attributes"] == ["bright", "striped", "hat"] and 0 <= result["control"]["bright"] <= 1
