"""From cartoons to real faces: CelebA fetched from inside the notebooks, and a folder of your own images.

No network: ``tests/standin/kagglehub`` stands in for kagglehub (put first on the kernel's PYTHONPATH), and
its ``dataset_download`` builds a small CelebA in Kaggle's layout from the synthetic faces. The notebook
tests are the slow ones (marked ``slow``; ``-m "not slow"`` skips them): they execute the notebooks on
small data (600 or 300 images, 2 epochs, 32 px): about two minutes in all on 2 CPU cores.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient
from PIL import Image
from test_own_images import make_folder

from vae_tutorial import celeba, data, settings

STANDIN = Path(__file__).parent / "standin"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ALL = sorted(p.name for p in NOTEBOOKS.glob("0[1-9]_*.ipynb"))
WITHOUT_02 = [name for name in ALL if not name.startswith("02_")]  # 02 names CelebA attributes (Blond_Hair)
KAGGLE_COPY = Path("datasets") / celeba.KAGGLE_HANDLE / "versions" / "2"
SMALL = {"EPOCHS": "2", "IMAGE_SIZE": "32", "BATCH_SIZE": "64", "LATENT_DIM": "16"}
OWN_IMAGES_SAY = {  # what a notebook prints on the folder of own images, where it differs from CelebA
    "01": "labels      labels.csv\n3 attributes: bright, striped, boxed",
    "05": "bright for Smiling, striped for Eyeglasses",
}


def use_standin(monkeypatch, home: Path) -> None:
    """kagglehub is the stand-in, for this process and for notebook kernels; its cache is under ``home``."""
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(home / "kagglehub"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(STANDIN), os.environ.get("PYTHONPATH")])))
    monkeypatch.syspath_prepend(str(STANDIN))
    monkeypatch.delitem(sys.modules, "kagglehub", raising=False)


def use_settings(monkeypatch, **values: str) -> None:
    """Exactly these VAE_TUTORIAL_* variables (others unset), as CI would set them before Jupyter starts."""
    for name in [name for name in os.environ if name.startswith(settings.ENV_PREFIX)]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(settings.ENV_PREFIX + name, value)


def execute(name: str, out: Path) -> str:
    """Run notebook ``name`` from notebooks/ (its cwd) in a fresh kernel; return all its printed text."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    finally:
        out.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, out / name)  # the executed copy, to look at when a test fails
    return "\n".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))


def own_images(root: Path, n: int = 300) -> Path:
    """``make_folder``'s PNGs (60×40, bright/striped, no partition column) with a third attribute, boxed:
    a dark square in the middle of every fifth picture."""
    make_folder(root, n)
    table = pd.read_csv(root / "labels.csv", dtype=str)
    boxed = np.arange(n) % 5 == 0
    for name in table.file[boxed]:
        path = root / "pictures" / name
        pixels = np.asarray(Image.open(path)).copy()
        pixels[12:28, 22:38] = 20
        Image.fromarray(pixels).save(path)
    table["boxed"] = np.where(boxed, "1", "0")
    table.to_csv(root / "labels.csv", index=False)
    return root


def test_the_standin_download_is_found_through_the_link(tmp_path, monkeypatch, capsys):
    use_standin(monkeypatch, tmp_path)
    use_settings(monkeypatch, DATASET="celeba", DATA_DIR=str(tmp_path / "data"))
    S = settings.load()
    with pytest.raises(FileNotFoundError):
        data.resolve(S)  # without download=True, no copy on disk is an error
    source = data.resolve(S, download=True)
    assert "Downloading from https://www.kaggle.com" in capsys.readouterr().out
    link = S.celeba_dir / "celeba-dataset"
    assert link.is_symlink() and link.resolve() == (tmp_path / "kagglehub" / KAGGLE_COPY).resolve()
    assert (source.name, source.root) == ("celeba", link)
    layout = celeba.find(S.celeba_dir)
    assert layout.kind == "kaggle" and layout.images_dir == link / "img_align_celeba" / "img_align_celeba"
    assert list(pd.read_csv(layout.attributes_file, nrows=0).columns) == ["image_id", *celeba.ATTRIBUTES]
    labels = data.Annotations(source.root)
    assert labels.labels.shape == (600, 40) and labels.split.value_counts().to_dict() == {
        "train": 482, "valid": 59, "test": 59}
    assert (link / "list_bbox_celeba.csv").is_file()
    test = data.index(source.root, "test", S.attributes)
    assert test.crop == "face" and len(test.paths) == 59 and Path(test.paths[0]).is_file()
    again = data.resolve(S, download=True)  # found on disk now: no second download
    assert again == source and "Downloading" not in capsys.readouterr().out


@pytest.fixture(scope="module")
def celeba_home(tmp_path_factory):
    """One data folder for the five notebooks on CelebA: 03 trains the run that 04 and 05 load."""
    return tmp_path_factory.mktemp("celeba_journey")


@pytest.fixture(scope="module")
def own_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("own_journey")
    own_images(home / "my_pictures")
    return home


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_every_notebook_runs_on_celeba_downloaded_from_inside_it(name, celeba_home, monkeypatch):
    use_standin(monkeypatch, celeba_home)
    use_settings(monkeypatch, DATASET="celeba", DATA_DIR=str(celeba_home / "data"), **SMALL)
    first = not (celeba_home / "kagglehub" / KAGGLE_COPY).is_dir()
    text = execute(name, celeba_home / "executed")
    assert "Data set in use: celeba" in text
    assert ("Downloading from https://www.kaggle.com" in text) == first  # the first notebook run downloads
    if name.startswith("01_"):
        assert "images      img_align_celeba/img_align_celeba" in text  # Kaggle's layout, through the link


@pytest.mark.slow
@pytest.mark.parametrize("name", WITHOUT_02)
def test_notebooks_run_on_a_folder_of_own_images(name, own_home, monkeypatch):
    use_settings(monkeypatch, DATASET=str(own_home / "my_pictures"), DATA_DIR=str(own_home / "data"), **SMALL)
    text = execute(name, own_home / "executed")
    assert "Data set in use: my_pictures" in text and "bright, striped, boxed" in text
    assert OWN_IMAGES_SAY.get(name[:2], "") in text

