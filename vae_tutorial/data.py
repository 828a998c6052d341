"""Faces for the models, the readable way: which data set, which images, one face at a time.

A data set is three things: ``Source`` (its name and folder: what ``resolve`` returns for the
settings), ``Annotations`` (what its files say: labels, split, and its ``kind``, "celeba" or "folder",
from which the way a face is cut follows) and ``Index`` (the images and 0/1 conditions of one split,
from ``index``). Where the files lie is a ``celeba.Layout`` (``find``).

* ``load_face`` and ``FaceSequence`` — a small ``keras.utils.PyDataset`` that opens each JPEG with
  PIL when its batch is asked for (the seed article's memory-efficient generator);
* the geometry every way in shares (``crop_box``: the centre square around the face).

The fast ways in are ``tf.data`` (``pipeline.py``) and the uint8 cache (``uint8_cache.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from . import celeba, folder, synthetic
from .messages import first_few
from .quiet_start import keras
from .settings import DATASETS, Settings, short_path

SPLITS = ("train", "valid", "test", "all")
CROP_FRACTION = 148 / celeba.IMAGE_WIDTH  # the 148-pixel square commonly cut from CelebA's 178-pixel width
CROPS = {"celeba": "face", "folder": "square"}  # how each kind of data set has its faces cut (``crop_box``)


@dataclass(frozen=True)
class Source:
    """Which data set the settings resolved to, and where its files are."""

    name: str  # "synthetic", "celeba", or the name of a folder of your own images
    root: Path


def resolve(settings: Settings, download: bool = False) -> Source:
    """The data set the settings ask for; the synthetic faces are generated on first use.

    download: when ``dataset="celeba"`` is asked for and CelebA is not in ``settings.celeba_dir``,
    fetch it from Kaggle with kagglehub (about 1.4 GB, with kagglehub's progress bars) instead of
    raising; the notebooks' settings cells pass ``True``, so switching to CelebA is one setting.
    ``dataset`` may also be a folder: CelebA in any of its layouts, or your own images (``folder.py``).
    """
    if settings.dataset not in DATASETS:
        path = Path(settings.dataset).expanduser()
        if celeba.is_present(path):
            return Source(path.name, celeba.find(path).root)
        try:
            found = folder.find(path)
        except FileNotFoundError as error:
            raise FileNotFoundError(f"{path} holds neither CelebA (in any of its layouts; see data/README.md) nor "
                                    f"your own images: {error}") from None
        for line in folder.attribute_warnings(found, settings.attributes):
            print(f"WARNING: {line}")
        return Source(path.name, found.root)
    if settings.dataset in ("celeba", "auto") and celeba.is_present(settings.celeba_dir):
        return Source("celeba", celeba.find(settings.celeba_dir).root)
    if settings.dataset == "celeba":
        if not download:
            celeba.find(settings.celeba_dir)  # raises, saying what was looked for and how to get CelebA
        print(f"CelebA is not in {short_path(settings.celeba_dir)} yet: downloading it from Kaggle with kagglehub "
              f"(about 1.4 GB: a few minutes on Colab, longer on a slow line; this happens once). kagglehub keeps "
              f"the files in its cache folder and {short_path(settings.celeba_dir)} links to them.")
        return Source("celeba", celeba.download(settings.celeba_dir))
    root = synthetic.generate(settings.synthetic_dir, n=settings.synthetic_size, seed=settings.seed)
    return Source("synthetic", Path(root))


def crop_box(width: int, height: int, crop: str = "face") -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the centre square around an aligned face (``crop="face"``: 148 of
    CelebA's 178 pixels across), or of the largest centre square (``crop="square"``: your own images)."""
    side = round(CROP_FRACTION * width) if crop == "face" else min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def dct_ratio(image_size: int, side: float = CROP_FRACTION * celeba.IMAGE_WIDTH) -> int:
    """Largest JPEG reduced-decoding ratio (1, 2, 4 or 8) that still leaves ≥ image_size pixels across
    the cropped square of ``side`` pixels (CelebA's face window by default)."""
    return max((r for r in (1, 2, 4, 8) if side / r >= image_size), default=1)


class Annotations:
    """What a data set on disk says about its images, whatever its layout: ``kind`` is "celeba"
    (CelebA's layouts, the synthetic faces too) or "folder" (your own images); ``crop`` follows from it."""

    def __init__(self, root):
        self.root = Path(root)
        self.layout = find(root)
        self.kind = "folder" if self.layout.kind == "folder" else "celeba"
        self.images_dir = self.layout.images_dir
        self.files = tuple(path for path in (self.layout.attributes_file, self.layout.partition_file) if path)
        if self.kind == "folder":
            self.labels, self._split = folder.load(self.layout)
        else:
            self.labels = celeba.load_attributes(self.layout)

    @property
    def crop(self) -> str:
        """How a face is cut from an image (see ``crop_box``)."""
        return CROPS[self.kind]

    def paths(self, rows) -> np.ndarray:
        """The image files of the given rows of the attribute file, as str."""
        return np.array([str(self.images_dir / name) for name in self.labels.index[rows]])

    @property
    def split(self) -> pd.Series:
        """The split of each image (loaded on first use)."""
        if not hasattr(self, "_split"):
            self._split = _partition(self.layout, self.labels.index)
        return self._split

    def check_names(self, names) -> tuple[str, ...]:
        """``names`` (all attributes when None), after checking each is one of the data set's."""
        if self.kind == "celeba":
            return tuple(celeba.ATTRIBUTES if names is None else celeba.check_attribute_names(list(names)))
        names = list(self.labels.columns) if names is None else list(names)
        unknown = [name for name in names if name not in self.labels.columns]
        if unknown:
            raise ValueError(f"{unknown} are not attributes of {self.files[0]}; it has: "
                             f"{', '.join(self.labels.columns)}.")
        return tuple(names)


def find(root) -> celeba.Layout:
    """Where the data set at ``root`` keeps its files: CelebA in any of its layouts, or your own images."""
    if celeba.is_present(root):
        return celeba.find(root)
    try:
        return folder.find(root)
    except FileNotFoundError:
        celeba.find(root)  # raises, saying what was looked for
        raise


@dataclass(frozen=True)
class Index:
    """The images of one split, in the attribute file's order."""

    paths: np.ndarray  # str, absolute file paths
    rows: np.ndarray  # int64, row of each image in the attribute file (the cache's order)
    conditions: np.ndarray  # float32 (N, A), 0/1
    attributes: tuple[str, ...]
    kind: str = "celeba"  # the data set's kind (see ``Annotations``)

    @property
    def crop(self) -> str:
        """How a face is cut from an image (see ``crop_box``)."""
        return CROPS[self.kind]


def index(root, split: str = "train", attributes=None, limit: int | None = None) -> Index:
    """File paths, attribute-file rows and 0/1 conditions of a split (``all`` for every image)."""
    if split not in SPLITS:
        raise ValueError(f"split={split!r} is not one of {SPLITS}.")
    found = Annotations(root)
    names, frame = found.check_names(attributes), found.labels
    rows = np.arange(len(frame))
    if split != "all":
        rows = rows[(found.split == split).to_numpy()]
    if limit is not None:
        rows = rows[:limit]
    if len(rows) == 0:
        raise ValueError(folder.empty_split_message(found.layout, split) if found.kind == "folder" else
                         f"the {split!r} split of {root} holds no images; check {found.files[-1].name}.")
    return Index(found.paths(rows), rows, frame[list(names)].to_numpy(np.float32)[rows], names, found.kind)


def _partition(layout: celeba.Layout, images) -> pd.Series:
    """The split of each of ``images``; refuses a partition file that leaves some of them out."""
    partition = celeba.load_partition(layout).reindex(images)
    unassigned = images[partition.isna().to_numpy()]
    if len(unassigned):
        raise celeba.CelebAFormatError(
            f"{layout.partition_file} gives no split for {len(unassigned):,} of the {len(images):,} images in "
            f"{layout.attributes_file.name} ({first_few(unassigned)}): the file is incomplete. Re-download it (or "
            f"re-generate the synthetic set); celeba.verify(root) lists every difference.")
    return partition


# ---------------------------------------------------------------------------------------------
# The readable way: a Keras PyDataset that opens files with PIL


def load_face(path, image_size: int, crop: str = "face") -> np.ndarray:
    """One face as uint8 (S, S, 3): decoded at reduced size when possible, turned upright and made
    8-bit RGB as a viewer shows it (``folder.upright_rgb``), centre-cropped (see ``crop_box``), resized.
    The tf.data pipeline reads your own images through this function too, so both give the same pixels."""
    try:
        with Image.open(path) as image:
            upright = folder.upright_size(image)
            box = crop_box(*upright, crop)
            ratio = dct_ratio(image_size, box[2] - box[0])
            image.draft("RGB", (image.size[0] // ratio, image.size[1] // ratio))  # JPEG only; others ignore it
            picture = folder.upright_rgb(image)
            scale = picture.size[0] / upright[0]
            face = picture.resize((image_size, image_size), Image.BILINEAR, box=tuple(v * scale for v in box))
    except (OSError, SyntaxError, ValueError) as error:
        fix = ("Re-download or re-generate the data set." if crop == "face" else "Replace it with a good copy or "
               "remove its line from the labels CSV; python -m vae_tutorial verify --data FOLDER --images lists "
               "every damaged image.")
        raise OSError(f"cannot read image {path}: {error}. {fix}") from error
    return np.asarray(face)


class FaceSequence(keras.utils.PyDataset):
    """Batches of (images, conditions) read from disk only when asked for, so memory stays small.

    Extra keyword arguments (``workers``, ``use_multiprocessing``, ``max_queue_size``) go to
    ``keras.utils.PyDataset``.
    """

    def __init__(self, root, split: str = "train", image_size: int = 64, batch_size: int = 64, attributes=None,
                 shuffle: bool = True, seed: int = 0, limit: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.index = index(root, split, attributes, limit)
        self.image_size, self.batch_size, self.shuffle = image_size, batch_size, shuffle
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(self.index.paths))
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.order) / self.batch_size)

    def __getitem__(self, batch):
        chosen = self.order[batch * self.batch_size:(batch + 1) * self.batch_size]
        images = np.stack([load_face(self.index.paths[i], self.image_size, self.index.crop) for i in chosen])
        return images.astype(np.float32) / 255.0, self.index.conditions[chosen]

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)
