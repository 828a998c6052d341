"""The CSV of a folder of your own images, as spreadsheets save it: read as meant, or refused in one line
that names the file, the line and the fix."""

import unicodedata

import numpy as np
import pytest
from PIL import Image

from vae_tutorial import data, folder

NAMES = ["José Peña.png", "Zoë, at the beach.png", "plain_01.png", "plain_02.png"]
SMILING, HAT = [1, 0, 1, 0], [0, 0, 1, 1]


def make_pictures(root, names=NAMES, form="NFC"):
    (root / "pictures").mkdir(parents=True)
    for k, name in enumerate(names):
        pixels = np.full((6, 8, 3), 40 * k, np.uint8)
        Image.fromarray(pixels).save(root / "pictures" / unicodedata.normalize(form, name))
    return root


def csv_text(sep=",", header=("file", "Lächeln", "hat"), names=NAMES, end="", quote=True):
    def cells(row):
        return sep.join(f'"{c}"' if quote and sep in c else c for c in row) + end
    rows = [header] + [(name, str(s), str(h)) for name, s, h in zip(names, SMILING, HAT)]
    return "\r\n".join(cells(row) for row in rows if row) + "\r\n"


def read_back(root):
    labels, split = folder.load(root)
    on_disk = {p.name for p in (root / "pictures").iterdir()}
    assert set(labels.index) == on_disk and len(split) == len(NAMES)
    assert [unicodedata.normalize("NFC", n) for n in labels.index] == NAMES
    assert labels["Lächeln"].tolist() == SMILING and labels["hat"].tolist() == HAT
    assert data.load_face(data.index(root, "all").paths[0], 8, "square").shape == (8, 8, 3)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_every_encoding_a_spreadsheet_writes_is_read(tmp_path, encoding):
    root = make_pictures(tmp_path / "own")
    (root / "labels.csv").write_bytes(csv_text().encode(encoding))
    read_back(root)


@pytest.mark.parametrize("stem", ["фото", "photo"])  # the names on disk decide, else the words
def test_a_cyrillic_ansi_file_is_read(tmp_path, stem):
    names = [f"{stem}_{k}.png" for k in range(1, 5)]
    root = make_pictures(tmp_path / "own", names)
    (root / "labels.csv").write_bytes(csv_text(names=names, header=("файл", "улыбка", "шляпа")).encode("cp1251"))
    labels, _ = folder.load(root)
    assert list(labels.index) == names and list(labels.columns) == ["улыбка", "шляпа"]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("end", ["", ",", ";;"])
def test_separators_and_empty_trailing_columns(tmp_path, sep, end):
    root = make_pictures(tmp_path / "own")
    (root / "labels.csv").write_text(csv_text(sep, end=end.replace(",", sep).replace(";", sep)), encoding="utf-8")
    read_back(root)


def test_excels_separator_line_is_followed(tmp_path):
    root = make_pictures(tmp_path / "own")
    (root / "labels.csv").write_text("sep=;\r\n" + csv_text(";"), encoding="utf-8")
    read_back(root)


@pytest.mark.parametrize(("disk", "listed"), [("NFD", "NFC"), ("NFC", "NFD")])
def test_names_match_after_unicode_normalisation(tmp_path, disk, listed):
    root = make_pictures(tmp_path / "own", form=disk)  # macOS writes decomposed (NFD) names
    text = unicodedata.normalize(listed, csv_text())  # attribute names too: Lächeln
    (root / "labels.csv").write_text(text, encoding="utf-8")
    read_back(root)


def test_file_names_in_another_column_than_the_first_are_pointed_to(tmp_path):
    root = make_pictures(tmp_path / "own")
    rows = ["smiling,file,hat"] + [f"{s},\"{name}\",{h}" for name, s, h in zip(NAMES, SMILING, HAT)]
    (root / "labels.csv").write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(folder.FolderFormatError, match=r"line 1: the file names are in column 2 \('file'\), not in "
                                                       r"the first one \('smiling'\): move that column to the front"):
        folder.load(root)


def test_a_workbook_saved_under_a_csv_name_is_refused(tmp_path):
    root = make_pictures(tmp_path / "own")
    (root / "labels.csv").write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(folder.FolderFormatError, match=r"labels.csv is a zip archive .* save it from the spreadsheet "
                                                       r"as CSV"):
        folder.load(root)


def test_an_unquoted_separator_in_a_file_name_is_refused_with_its_line(tmp_path):
    root = make_pictures(tmp_path / "own")
    (root / "labels.csv").write_text(csv_text(quote=False), encoding="utf-8")
    with pytest.raises(folder.FolderFormatError) as caught:
        folder.load(root)
    assert str(caught.value).startswith(f"{root / 'labels.csv'}, line 3: has 4 values but the header names 3")
    assert "put it in double quotes" in str(caught.value)


@pytest.mark.parametrize("first", ["José Peña.png,1,0", "scan 7,1,0", "IMG_4.JPG;-1;1"])
def test_a_missing_header_is_refused_not_read_as_names(tmp_path, first):
    root = make_pictures(tmp_path / "own")
    (root / "labels.csv").write_text(first + "\n" + csv_text(header=None, sep=first[-4]), encoding="utf-8")
    with pytest.raises(folder.FolderFormatError, match=r"labels.csv, line 1: .* looks like an image's row, not the "
                                                       r"column names: add a first line that names the columns"):
        folder.attributes(root)


@pytest.mark.parametrize(("header", "meant"), [(("file", "Partition", "partition"), "is the split"),
                                                (("file", "Smiling", "smiling"), "is meant")])
def test_column_names_that_differ_only_in_case_are_refused(tmp_path, header, meant):
    root = make_pictures(tmp_path / "own")
    text = csv_text(header=header).replace(",1\r", ",train\r").replace(",0\r", ",test\r")
    (root / "labels.csv").write_text(text, encoding="utf-8")
    with pytest.raises(folder.FolderFormatError, match=rf"line 1: column 3 '{header[2]}' differs only in case from "
                                                       rf"column 2 '{header[1]}', so which one {meant} is ambiguous"):
        folder.load(root)


def test_a_split_column_under_another_name_is_pointed_to_partition(tmp_path):
    root = make_pictures(tmp_path / "own")
    text = csv_text(header=("file", "smiling", "split")).replace(",1\r", ",train\r").replace(",0\r", ",test\r")
    (root / "labels.csv").write_text(text, encoding="utf-8")
    with pytest.raises(folder.FolderFormatError, match=r"line 2: split='test' is not a yes/no value \(3 more "
                                                       r"lines like it\); .* if it is the split, name the column "
                                                       r"'partition'"):
        folder.load(root)
