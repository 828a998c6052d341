"""The synthetic CelebA-like faces: official layout and formats, determinism, resuming, independent control
of each attribute, and that the attributes are really in the pixels (a linear probe at 32×32)."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from vae_tutorial import celeba, synthetic

N = 24
CROP_BOX = (15, 35, 15 + 148, 35 + 148)  # the tutorial's centre crop: left, top, right, bottom


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return synthetic.generate(tmp_path_factory.mktemp("synthetic") / "faces", n=N, seed=3, progress=False)


def _files(root) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


# ----------------------------------------------------------------------------------------- layout and formats
def test_images_are_named_sized_and_coloured_like_celeba(generated):
    names = sorted(os.listdir(generated / "img_align_celeba"))
    assert names == [f"{i:06d}.jpg" for i in range(1, N + 1)]
    for name in names[:5]:
        with Image.open(generated / "img_align_celeba" / name) as image:
            assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (178, 218))


def test_attribute_file_has_the_official_format(generated):
    lines = (generated / "list_attr_celeba.txt").read_text().splitlines()
    assert lines[0] == str(N)
    assert lines[1] == " ".join(celeba.ATTRIBUTES) + " "
    assert all(re.fullmatch(r"\d{6}\.jpg( [ -]1){40}", line) for line in lines[2:])
    table = celeba.load_attributes(generated)
    assert list(table.columns) == list(celeba.ATTRIBUTES)
    assert list(table.index) == [f"{i:06d}.jpg" for i in range(1, N + 1)]


def test_unrendered_attributes_are_always_absent(generated):
    table = celeba.load_attributes(generated)
    unrendered = [name for name in celeba.ATTRIBUTES if name not in synthetic.RENDERED]
    assert len(unrendered) == 40 - len(synthetic.RENDERED)
    assert table[unrendered].to_numpy().sum() == 0
    assert table[list(synthetic.RENDERED)].to_numpy().sum() > 0


def test_partition_follows_celebas_ratios_in_file_order(generated):
    partition = celeba.load_partition(generated)
    assert list(partition.index) == [f"{i:06d}.jpg" for i in range(1, N + 1)]
    expected = np.repeat(celeba.PARTITIONS, synthetic.partition_sizes(N))
    assert list(partition) == list(expected)
    assert synthetic.partition_sizes(202_599) == (162_770, 19_867, 19_962)
    assert synthetic.partition_sizes(5000) == (4017, 490, 493)


def test_readme_says_synthetic_and_lists_what_is_drawn(generated):
    readme = (generated / "README.md").read_text()
    assert "synthetic" in readme.lower()
    assert all(name in readme for name in celeba.ATTRIBUTES)


def test_celeba_module_finds_and_verifies_it(generated):
    report = celeba.verify(generated, check_md5=False)
    assert report.layout.kind == "torchvision"
    assert report.ok, str(report)


def test_rendered_attribute_names_follow_celeba_order():
    assert list(synthetic.RENDERED) == [name for name in celeba.ATTRIBUTES if name in synthetic.RENDERED]
    assert {"Smiling", "Eyeglasses", "Male", "Wearing_Hat", "Blond_Hair", "Black_Hair"} <= set(synthetic.RENDERED)


# ------------------------------------------------------------------------------------------------ determinism
def test_same_seed_gives_byte_identical_files(generated, tmp_path):
    again = synthetic.generate(tmp_path / "again", n=N, seed=3, progress=False)
    assert _files(again) == _files(generated)


def test_different_seed_gives_different_images(generated, tmp_path):
    other = synthetic.generate(tmp_path / "other", n=4, seed=4, progress=False)
    for name in ("000001.jpg", "000004.jpg"):
        assert (other / "img_align_celeba" / name).read_bytes() != (generated / "img_align_celeba" / name).read_bytes()


def test_an_image_does_not_depend_on_how_many_are_generated(tmp_path):
    small = synthetic.generate(tmp_path / "small", n=20, seed=5, progress=False)
    large = synthetic.generate(tmp_path / "large", n=40, seed=5, progress=False)
    for i in range(1, 21):
        name = f"img_align_celeba/{i:06d}.jpg"
        assert (small / name).read_bytes() == (large / name).read_bytes()
    assert celeba.load_attributes(small).equals(celeba.load_attributes(large).iloc[:20])


# --------------------------------------------------------------------------------------------- resume / skip
def _mtimes(root) -> dict[str, int]:
    return {str(path): path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}


def test_a_complete_set_is_not_written_again(tmp_path, capsys):
    root = synthetic.generate(tmp_path / "faces", n=6, seed=0, progress=True)
    assert "6/6" in capsys.readouterr().err  # the progress bar
    before = _mtimes(root)
    assert synthetic.generate(root, n=6, seed=0) == root
    assert _mtimes(root) == before
    assert capsys.readouterr().err == ""


def test_an_interrupted_or_damaged_set_is_regenerated_cleanly(tmp_path):
    root = synthetic.generate(tmp_path / "faces", n=6, seed=0, progress=False)
    complete = _files(root)
    (root / "img_align_celeba" / "000004.jpg").unlink()
    synthetic.generate(root, n=6, seed=0, progress=False)
    assert _files(root) == complete
    manifest = root / synthetic.MANIFEST_NAME
    manifest.write_text(manifest.read_text().replace('"complete": true', '"complete": false'))
    (root / "img_align_celeba" / "000002.jpg").write_bytes(b"half a jpeg")
    synthetic.generate(root, n=6, seed=0, progress=False)
    assert _files(root) == complete


def test_a_set_of_another_size_is_replaced(tmp_path):
    root = synthetic.generate(tmp_path / "faces", n=6, seed=0, progress=False)
    synthetic.generate(root, n=3, seed=0, progress=False)
    assert len(os.listdir(root / "img_align_celeba")) == 3
    assert len(celeba.load_attributes(root)) == 3


def test_a_folder_it_did_not_write_is_left_alone(tmp_path):
    (tmp_path / "img_align_celeba").mkdir()
    (tmp_path / "img_align_celeba" / "000001.jpg").write_bytes(b"someone's photo")
    with pytest.raises(FileExistsError):
        synthetic.generate(tmp_path, n=2, progress=False)
    assert (tmp_path / "img_align_celeba" / "000001.jpg").read_bytes() == b"someone's photo"


# ---------------------------------------------------------------------------------------- sampled attributes
def test_base_rates_and_correlations_are_celeba_like():
    rng = np.random.default_rng(0)
    table = pd.DataFrame([synthetic.sample_attributes(rng) for _ in range(20_000)])
    rates = table.mean()
    targets = {"Smiling": 0.48, "Male": 0.42, "Young": 0.77, "Eyeglasses": 0.12, "Wearing_Hat": 0.10,
               "Blond_Hair": 0.15, "Black_Hair": 0.24, "Brown_Hair": 0.21, "Gray_Hair": 0.04, "Bangs": 0.15,
               "Pale_Skin": 0.04, "Mustache": 0.04, "No_Beard": 0.83, "Wearing_Lipstick": 0.47,
               "Mouth_Slightly_Open": 0.48}
    for name, target in targets.items():
        assert abs(rates[name] - target) < 0.025, (name, rates[name])
    assert table[list(synthetic.HAIR_COLOURS)].sum(axis=1).max() == 1
    assert not (table.Mustache & ~table.Male).any()
    assert not (~table.No_Beard & ~table.Male).any()
    assert table.Wearing_Lipstick[~table.Male].mean() > 10 * table.Wearing_Lipstick[table.Male].mean()
    assert table.Gray_Hair[~table.Young].mean() > 10 * table.Gray_Hair[table.Young].mean()
    assert table.Mouth_Slightly_Open[table.Smiling].mean() > table.Mouth_Slightly_Open[~table.Smiling].mean() + 0.3


def test_draw_face_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError):
        synthetic.draw_face({"Big_Nose": True}, np.random.default_rng(0))
    with pytest.raises(ValueError):
        synthetic.draw_face({"Smilling": False}, np.random.default_rng(0))
    with pytest.raises(ValueError):
        synthetic.draw_face({"Blond_Hair": True, "Black_Hair": True}, np.random.default_rng(0))


# ------------------------------------------------------------------------------------------ independent control
# (attribute, other attributes of the face, rows, columns of the 178×218 image where the change must stay)
LOCAL_EDITS = [
    ("Eyeglasses", {}, slice(92, 132), slice(25, 153)),
    ("Smiling", {}, slice(115, 182), slice(42, 136)),
    ("Mouth_Slightly_Open", {}, slice(138, 172), slice(58, 120)),
    ("Wearing_Lipstick", {}, slice(138, 172), slice(58, 120)),
    ("Mustache", {"Male": True}, slice(132, 162), slice(58, 120)),
    ("No_Beard", {"Male": True}, slice(100, 205), slice(25, 153)),
    ("Wearing_Hat", {}, slice(0, 106), slice(0, 178)),
    ("Bangs", {}, slice(30, 112), slice(25, 153)),
]


def _flipped(name: str, base: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same face (same rng) without and with ``name`` flipped, and where they differ visibly."""
    flipped = {**base, name: not base.get(name, name in synthetic.PLAIN_FACE)}
    before = np.asarray(synthetic.draw_face(base, np.random.default_rng(11)), dtype=int)
    after = np.asarray(synthetic.draw_face(flipped, np.random.default_rng(11)), dtype=int)
    return before, after, np.abs(before - after).max(axis=2) > 8


@pytest.mark.parametrize("name, base, rows, columns", LOCAL_EDITS, ids=[edit[0] for edit in LOCAL_EDITS])
def test_one_attribute_changes_only_its_own_region(name, base, rows, columns):
    _, _, changed = _flipped(name, base)
    inside = changed[rows, columns].sum()
    assert inside > 150, f"{name} barely changes its region ({inside} pixels)"
    assert changed.sum() - inside <= 0.01 * inside, f"{name} changes pixels outside its region"


@pytest.mark.parametrize("name", ["Male", "Young", "Pale_Skin", "Blond_Hair", "Black_Hair", "Brown_Hair", "Gray_Hair"])
def test_global_attributes_change_the_face_clearly(name):
    _, _, changed = _flipped(name, {})
    assert changed.mean() > 0.03, f"{name} changes only {changed.mean():.1%} of the pixels"


# ------------------------------------------------------------------------------------ attributes in the pixels
PROBE_TRAIN, PROBE_TEST = 1000, 500
PROBED = ("Smiling", "Eyeglasses", "Male")


def _small_grey(image: Image.Image) -> np.ndarray:
    """What the tutorial's smallest model sees, in grey: the centre crop at 32×32."""
    return np.asarray(image.crop(CROP_BOX).convert("L").resize((32, 32), Image.BILINEAR), dtype=np.float64).ravel()


def _balanced_ridge(features: np.ndarray, labels: np.ndarray, penalty: float = 30.0) -> np.ndarray:
    """Closed-form ridge regression onto ±1 with both classes weighted equally; returns weights and bias."""
    weights = np.where(labels, 0.5 / labels.mean(), 0.5 / (1 - labels.mean()))
    x = np.hstack([features, np.ones((len(features), 1))])
    gram = x.T @ (x * weights[:, None]) + penalty * np.eye(x.shape[1])
    return np.linalg.solve(gram, x.T @ (weights * np.where(labels, 1.0, -1.0)))


def test_a_linear_probe_reads_smile_glasses_and_sex_from_32px_grey_crops():
    faces = [synthetic.sample_face(seed=7, index=i) for i in range(PROBE_TRAIN + PROBE_TEST)]
    pixels = np.stack([_small_grey(image) for _, image in faces])
    mean, spread = pixels[:PROBE_TRAIN].mean(axis=0), pixels[:PROBE_TRAIN].std(axis=0) + 1.0
    features = (pixels - mean) / spread
    report = {}
    for name in PROBED:
        labels = np.array([attributes[name] for attributes, _ in faces])
        w = _balanced_ridge(features[:PROBE_TRAIN], labels[:PROBE_TRAIN])
        predicted = np.hstack([features[PROBE_TRAIN:], np.ones((PROBE_TEST, 1))]) @ w > 0
        truth = labels[PROBE_TRAIN:]
        accuracy = (predicted == truth).mean()
        balanced = (predicted[truth].mean() + (~predicted[~truth]).mean()) / 2
        report[name] = (accuracy, balanced, max(truth.mean(), 1 - truth.mean()))
    print("\nlinear probe on 32×32 grey crops (accuracy, balanced accuracy, majority rate):")
    for name, (accuracy, balanced, majority) in report.items():
        print(f"  {name:<12} {accuracy:.3f}  {balanced:.3f}  {majority:.3f}")
    for name, (accuracy, balanced, _) in report.items():
        assert accuracy >= 0.90 and balanced >= 0.85, (name, accuracy, balanced)
