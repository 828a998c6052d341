"""vae_tutorial.celeba on small CelebA copies in every layout, with the real files' quirks. No network."""

import hashlib
import sys
import types

import numpy as np
import pandas as pd
import pytest
from celeba_fixtures import LAYOUTS, expected_attributes, expected_partition, write_celeba

from vae_tutorial import celeba

# The first lines of the real list_attr_celeba.txt, copied exactly (the header ends with a space).
REAL_HEADER = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair Blond_Hair "
    "Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup High_Cheekbones "
    "Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline "
    "Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick "
    "Wearing_Necklace Wearing_Necktie Young "
)
REAL_ROW_1 = (
    "000001.jpg -1  1  1 -1 -1 -1 -1 -1 -1 -1 -1  1 -1 -1 -1 -1 -1 -1  1  1 -1  1 -1 -1  1 -1 -1  1 -1 -1 -1  1  1 -1"
    "  1 -1  1 -1 -1  1"
)
ROW_1_PRESENT = {  # the attributes marked 1 in REAL_ROW_1
    "Arched_Eyebrows", "Attractive", "Brown_Hair", "Heavy_Makeup", "High_Cheekbones", "Mouth_Slightly_Open",
    "No_Beard", "Pointy_Nose", "Smiling", "Straight_Hair", "Wearing_Earrings", "Wearing_Lipstick", "Young",
}
TXT = "Anno/list_attr_celeba.txt"
CASES = [(kind, deeper) for kind in LAYOUTS for deeper in (False, True)]


def case_id(case):
    kind, deeper = case
    return kind + ("-deeper" if deeper else "")


@pytest.fixture
def official(tmp_path):
    """A fixture CelebA in the official layout; returns its root."""
    return write_celeba(tmp_path, "official")


def edit_line(path, number, edit):
    """Replace line ``number`` (1-based) of a text file by ``edit(line)``."""
    lines = path.read_text().split("\n")
    lines[number - 1] = edit(lines[number - 1])
    path.write_text("\n".join(lines))


# --- finding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_find_recognises_each_layout_in_place_and_one_folder_deeper(tmp_path, case):
    kind, deeper = case
    root = write_celeba(tmp_path, kind, deeper=deeper)
    images, attributes, partition = LAYOUTS[kind]
    for pointed_at in {root, root.parent if deeper else root}:
        layout = celeba.find(pointed_at)
        assert layout == celeba.Layout(root, root / images, root / attributes, root / partition, kind)
        assert celeba.is_present(str(pointed_at))
        assert celeba.images_dir(pointed_at) == root / images


def test_find_in_an_empty_folder_names_every_file_looked_for_and_how_to_get_them(tmp_path):
    (tmp_path / "notes").mkdir()
    with pytest.raises(celeba.CelebANotFoundError) as caught:
        celeba.find(tmp_path)
    message = str(caught.value)
    assert f"No CelebA found in {tmp_path}" in message
    assert "sub-folders (notes)" in message
    for parts in LAYOUTS.values():
        for part in parts:
            assert part in message
    assert f'vae_tutorial.celeba.download("{tmp_path.as_posix()}")' in message
    assert "pip install kagglehub" in message and "data/README.md" in message
    assert isinstance(caught.value, FileNotFoundError)
    assert not celeba.is_present(tmp_path)


def test_find_says_when_the_folder_does_not_exist(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(celeba.CelebANotFoundError, match="nowhere does not exist"):
        celeba.find(missing)
    assert not celeba.is_present(missing)


def test_find_points_at_the_closest_partial_layout_and_an_unzipped_archive(tmp_path):
    root = write_celeba(tmp_path, "official")
    for image in (root / "Img/img_align_celeba").iterdir():
        image.unlink()
    (root / "Img/img_align_celeba").rmdir()
    (root / "Img/img_align_celeba.zip").write_bytes(b"PK")
    with pytest.raises(celeba.CelebANotFoundError) as caught:
        celeba.find(tmp_path)
    assert f"Closest: {root} has part of the official layout but lacks Img/img_align_celeba/." in str(caught.value)
    assert "img_align_celeba.zip is there: unzip it" in str(caught.value)


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_layout_loads_the_same_frames(tmp_path, case, crlf):
    kind, deeper = case
    root = write_celeba(tmp_path, kind, deeper=deeper, crlf=crlf)
    pointed_at = root.parent if deeper else root
    attributes = celeba.load_attributes(pointed_at)
    pd.testing.assert_frame_equal(attributes, expected_attributes())
    pd.testing.assert_series_equal(celeba.load_partition(pointed_at), expected_partition())
    assert attributes.index.name == "image_id" and list(attributes.columns) == list(celeba.ATTRIBUTES)
    assert (attributes.dtypes == np.int8).all() and set(np.unique(attributes)) == {0, 1}
    assert list(celeba.load_partition(pointed_at).cat.categories) == ["train", "valid", "test"]
    assert set(celeba.load_partition(pointed_at)) == {"train", "valid", "test"}


@pytest.mark.parametrize(
    "newline, final", [("\n", True), ("\r\n", True), ("\n", False)], ids=["lf", "crlf", "no-final-newline"]
)
def test_the_real_first_row_parses_to_its_attributes(official, newline, final):
    text = newline.join(["1", REAL_HEADER, REAL_ROW_1]) + (newline if final else "")
    (official / TXT).write_bytes(text.encode())
    row = celeba.load_attributes(official).loc["000001.jpg"]
    assert {name for name, value in row.items() if value == 1} == ROW_1_PRESENT
    assert row.sum() == len(ROW_1_PRESENT) and len(row) == 40


def test_the_writer_reproduces_the_real_format_byte_for_byte(tmp_path):
    frame = pd.DataFrame([[int(a in ROW_1_PRESENT) for a in celeba.ATTRIBUTES]], columns=celeba.ATTRIBUTES,
                         index=pd.Index(["000001.jpg"], name="image_id"))
    celeba.write_attributes_txt(tmp_path / "list_attr_celeba.txt", frame)
    assert (tmp_path / "list_attr_celeba.txt").read_bytes() == f"1\n{REAL_HEADER}\n{REAL_ROW_1}\n".encode()


def test_blank_lines_and_single_spaces_between_values_are_tolerated(official):
    path = official / TXT
    edit_line(path, 4, lambda line: " ".join(line.split()) + "\n")  # single spaces, then a blank line
    pd.testing.assert_frame_equal(celeba.load_attributes(official), expected_attributes())


def test_a_layout_object_is_accepted_in_place_of_a_folder(official):
    layout = celeba.find(official)
    pd.testing.assert_frame_equal(celeba.load_attributes(layout), celeba.load_attributes(official))


# --- format errors: each names the file, the line and what was expected -----------------------


@pytest.mark.parametrize(
    "line, edit, expected",
    [
        (5, lambda s: s[:-3], ["line 5: 000003.jpg has 39 values, expected 40"]),
        (3, lambda s: s + "  1", ["line 3: 000001.jpg has 41 values, expected 40"]),
        (7, lambda s: s[:-3] + "  0", ["line 7: 000005.jpg has Young='0', expected -1 or 1"]),
        (6, lambda s: s[:-3] + " 1x", ["line 6: 000004.jpg has Young='1x', expected -1 or 1"]),
        (8, lambda s: "000002.jpg" + s[10:], ["line 8: 000002.jpg is listed twice (also on line 4)"]),
        (2, lambda s: s.replace("Smiling", "Smile"), ["line 2", "lacks ['Smiling'] and has unknown ['Smile']"]),
        (2, lambda s: s.replace("Bald Bangs", "Bangs Bald"), ["line 2", "column 5 is 'Bangs', expected 'Bald'"]),
        (1, lambda s: "13", ["line 1: says 13 images but 12 are listed; is the file complete?"]),
        (1, lambda s: REAL_HEADER, ["line 1: should be the number of images (e.g. 202599), found '5_o_Clock"]),
    ],
    ids=["too-few-values", "too-many-values", "zero", "not-a-number", "duplicate", "misspelt-name", "reordered",
         "count-mismatch", "no-count-line"],
)
def test_malformed_attribute_txt_is_reported_precisely(official, line, edit, expected):
    path = official / TXT
    edit_line(path, line, edit)
    with pytest.raises(celeba.CelebAFormatError) as caught:
        celeba.load_attributes(official)
    assert str(caught.value).startswith(f"{path}, line ")
    for part in expected:
        assert part in str(caught.value)
    assert "data/README.md" in str(caught.value)


def test_bad_partition_code_is_reported_with_file_and_line(official):
    path = official / "Eval/list_eval_partition.txt"
    edit_line(path, 4, lambda s: "000004.jpg 3")
    with pytest.raises(celeba.CelebAFormatError) as caught:
        celeba.load_partition(official)
    assert str(caught.value).startswith(f"{path}, line 4: 000004.jpg has partition='3', expected 0 or 1 or 2.")


@pytest.mark.parametrize(
    "file, line, edit, expected",
    [
        ("list_attr_celeba.csv", 1, lambda s: s.replace("image_id,", ""),
         "line 1: should name the 41 columns image_id 5_o_Clock_Shadow … Young; it lacks ['image_id']"),
        ("list_attr_celeba.csv", 4, lambda s: s.rsplit(",", 1)[0] + ",x",
         "line 4: 000003.jpg has Young='x', expected -1 or 1"),
        ("list_attr_celeba.csv", 2, lambda s: s + ",1", "line 2: 000001.jpg has 41 values, expected 40"),
        ("list_eval_partition.csv", 13, lambda s: s.rsplit(",", 1)[0] + ",-1",
         "line 13: 000012.jpg has partition='-1', expected 0 or 1 or 2"),
        ("list_eval_partition.csv", 1, lambda s: "image,partition", "lacks ['image_id'] and has unknown ['image']"),
    ],
    ids=["attr-header", "attr-value", "attr-extra", "partition-code", "partition-header"],
)
def test_malformed_kaggle_csv_is_reported_precisely(tmp_path, file, line, edit, expected):
    root = write_celeba(tmp_path, "kaggle")
    edit_line(root / file, line, edit)
    with pytest.raises(celeba.CelebAFormatError) as caught:
        celeba.load_attributes(root) if file.startswith("list_attr") else celeba.load_partition(root)
    assert str(caught.value).startswith(f"{root / file}, line ") and expected in str(caught.value)


# --- attribute names ---------------------------------------------------------------------------


def test_known_attribute_names_pass_through():
    assert celeba.check_attribute_names(("Smiling", "Male")) == ["Smiling", "Male"]
    assert celeba.check_attribute_names("Young") == ["Young"]


@pytest.mark.parametrize(
    "wrong, meant",
    [("Smile", "'Smiling'"), ("smiling", "'Smiling'"), ("Glasses", "'Eyeglasses'"), ("hat", "'Wearing_Hat'"),
     ("hair", "'Black_Hair' or 'Blond_Hair' or 'Brown_Hair'")],
)
def test_unknown_attribute_suggests_the_closest_and_lists_the_valid_ones(wrong, meant):
    with pytest.raises(ValueError) as caught:
        celeba.check_attribute_names(["Male", wrong])
    message = str(caught.value)
    assert message.startswith(f"{wrong!r} is not a CelebA attribute; did you mean {meant}? Valid: 5_o_Clock_Shadow,")
    assert message.endswith("Wearing_Necktie, Young")


def test_unknown_attribute_without_a_close_match_still_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"^'xyzzy' is not a CelebA attribute\. Valid: 5_o_Clock_Shadow, "):
        celeba.check_attribute_names(["xyzzy"])


def test_repeated_attribute_is_refused():
    with pytest.raises(ValueError, match="listed more than once"):
        celeba.check_attribute_names(["Male", "Male"])


# --- verify --------------------------------------------------------------------------------------


def test_verify_counts_missing_and_extra_images_and_reports_md5_mismatch(official):
    images = official / "Img/img_align_celeba"
    (images / "000003.jpg").unlink()
    (images / "000010.jpg").unlink()
    (images / "999999.jpg").write_bytes(b"")
    (official / "Anno/identity_CelebA.txt").write_text("000001.jpg 2880\n")
    report = celeba.verify(official)
    assert (report.listed, report.on_disk) == (12, 11)
    assert report.missing == ("000003.jpg", "000010.jpg") and report.extra == ("999999.jpg",)
    checked = [f.path.name for f in report.files]
    assert checked == ["list_attr_celeba.txt", "list_eval_partition.txt", "identity_CelebA.txt"]
    assert not any(f.ok for f in report.files) and not report.ok
    text = str(report)
    assert "MD5 MISMATCH: expected 75e246fa4810816ffd6ee81facbd244c" in text
    assert "missing (listed, not on disk): 2 (000003.jpg, 000010.jpg)" in text
    assert "extra (on disk, not listed): 1 (999999.jpg)" in text
    assert text.endswith("PROBLEMS FOUND (see above).")


def test_verify_passes_a_complete_copy_whose_checksums_match(official, monkeypatch):
    for path in (official / TXT, official / "Eval/list_eval_partition.txt"):
        monkeypatch.setitem(celeba.OFFICIAL_MD5, path.name, hashlib.md5(path.read_bytes()).hexdigest())
    report = celeba.verify(official)
    assert report.ok and not report.missing and not report.extra
    assert str(report).count("MD5 ok") == 2 and str(report).endswith("All checks passed.")
    assert "MD5 not checked" in str(celeba.verify(official, check_md5=False))


def test_verify_reports_images_listed_in_only_one_annotation_file(official):
    edit_line(official / "Eval/list_eval_partition.txt", 12, lambda s: "")
    report = celeba.verify(official, check_md5=False)
    assert report.only_in_attributes == ("000012.jpg",) and report.only_in_partition == ()
    assert "only in list_attr_celeba.txt: 1 (000012.jpg)" in str(report) and not report.ok


def test_verify_on_kaggle_csvs_says_there_is_no_reference_checksum(tmp_path):
    report = celeba.verify(write_celeba(tmp_path, "kaggle"))
    assert [str(f).split(maxsplit=1) for f in report.files] == [
        ["list_attr_celeba.csv", "no reference checksum"], ["list_eval_partition.csv", "no reference checksum"]
    ]
    assert report.ok


# --- download (never touches the network: kagglehub is replaced) ---------------------------------


def fake_kagglehub(monkeypatch, dataset_download):
    module = types.ModuleType("kagglehub")
    module.dataset_download = dataset_download
    monkeypatch.setitem(sys.modules, "kagglehub", module)


def test_download_without_kagglehub_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "kagglehub", None)  # makes `import kagglehub` fail
    with pytest.raises(ImportError, match=r"pip install kagglehub.*data/README.md"):
        celeba.download(tmp_path / "celeba")


def test_download_offline_says_so_and_points_to_the_manual_route(monkeypatch, tmp_path):
    def offline(handle):
        raise ConnectionError("Failed to resolve 'www.kaggle.com'")

    fake_kagglehub(monkeypatch, offline)
    with pytest.raises(celeba.CelebADownloadError) as caught:
        celeba.download(tmp_path / "celeba")
    message = str(caught.value)
    assert "jessicali9530/celeba-dataset" in message and "ConnectionError: Failed to resolve" in message
    assert "offline" in message and "data/README.md" in message
    assert isinstance(caught.value.__cause__, ConnectionError)


def test_download_returns_the_found_root_and_links_it_into_dest(monkeypatch, tmp_path):
    cache = write_celeba(tmp_path / "cache/datasets/jessicali9530/celeba-dataset/versions/2", "kaggle")
    calls = []
    fake_kagglehub(monkeypatch, lambda handle: calls.append(handle) or str(cache))
    assert celeba.download() == cache
    dest = tmp_path / "data/celeba"
    root = celeba.download(dest)
    assert calls == ["jessicali9530/celeba-dataset"] * 2
    assert root == dest / "celeba-dataset" and root.is_symlink() and root.resolve() == cache.resolve()
    assert celeba.find(dest).kind == "kaggle"
    pd.testing.assert_frame_equal(celeba.load_attributes(dest), expected_attributes())


def test_download_returns_at_once_when_dest_already_holds_celeba(monkeypatch, tmp_path):
    def must_not_be_called(handle):
        raise AssertionError("download() went to the network although dest had CelebA")

    fake_kagglehub(monkeypatch, must_not_be_called)
    root = write_celeba(tmp_path, "torchvision", deeper=True)
    assert celeba.download(tmp_path) == root


def test_download_warns_and_returns_the_cache_path_where_no_link_can_be_made(monkeypatch, tmp_path):
    cache = write_celeba(tmp_path / "cache", "kaggle")
    fake_kagglehub(monkeypatch, lambda handle: str(cache))
    dest = tmp_path / "data/celeba"
    dest.mkdir(parents=True)
    (dest / "celeba-dataset").mkdir()  # a real folder in the way: the link cannot be made
    with pytest.warns(UserWarning, match=f"CelebA is in {cache}, but .*celeba-dataset could not link to it"):
        assert celeba.download(dest) == cache
