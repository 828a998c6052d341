"""The uint8 cache: every face of a data set decoded once into a memory-mapped array, so training
epochs decode no JPEG.

* ``path`` — where a cache lives; ``source`` — what it is made from (a changed file makes it stale);
* ``prepare`` — fill it (with TensorFlow when it is installed, else with PIL), resumably; ``progress``;
* ``Batches`` — a ``keras.utils.PyDataset`` of training batches from a finished cache: the feed of
  every backend but TensorFlow's, which needs no TensorFlow (JAX-only GPUs, Colab's TPU runtimes).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import platformdirs

from . import data, locking
from .quiet_start import keras
from .settings import short_path

DIRNAME = "vae_tutorial_cache"
FORMAT = 3  # bump when the cached faces change for the same files (crop, decoder, rounding)
DEVICE_SHARE = 0.25  # an accelerator keeps the training faces in its memory when they fill at most this share


def path(root, image_size: int, cache_dir=None) -> Path:
    """Where the uint8 cache of a data set at one image size lives: ``cache_dir`` when given, else
    ``root/vae_tutorial_cache``, or, when the data folder cannot be written (a read-only copy, as
    Kaggle and some Colab mounts serve it), a folder of this data set in the user's cache folder."""
    name = f"images_{image_size}px.npy"
    if cache_dir is not None:
        return Path(cache_dir) / name
    beside = Path(root) / DIRNAME
    return (beside if _writable(beside) else user_dir(root)) / name


def user_dir(root) -> Path:
    """The per-user cache folder of the data set at ``root`` (for data folders that are read-only)."""
    resolved = str(Path(root).resolve())
    return Path(platformdirs.user_cache_dir("vae_tutorial")) / f"{Path(resolved).name}-{_digest(resolved)[:12]}"


def _writable(folder: Path) -> bool:
    """Whether files can be created in ``folder`` (made if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def source(root, image_size: int) -> dict:
    """What a cache of the data set at ``root`` is made from: the attribute and partition files and
    every image (names, sizes, modification times), the image size and the way faces are cut and
    decoded. A cache whose recorded source differs is stale and is made again."""
    found = data.Annotations(root)
    images = found.paths(np.arange(len(found.labels)))
    entries = []
    for image in (*found.files, *images):
        try:
            stat = os.stat(image)
        except FileNotFoundError:
            raise FileNotFoundError(f"{image} is listed in {found.files[0].name} but missing: re-download or "
                                    f"re-generate the data set (celeba.verify lists every missing file).") from None
        entries.append(f"{Path(image).name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return {"format": FORMAT, "image_size": image_size, "crop": found.crop, "crop_fraction": data.CROP_FRACTION,
            "dct_ratio": data.dct_ratio(image_size), "images": len(images), "files": _digest("\n".join(entries))}


def progress(root, image_size: int, cache_dir=None) -> tuple[int, int]:
    """(images already in the cache, images in the data set): equal when the cache is ready to train from."""
    made_from = source(root, image_size)
    return done(path(root, image_size, cache_dir), made_from), made_from["images"]


def done(file: Path, made_from: dict) -> int:
    """How many images the cache ``file`` already holds (0 without one, or for another source)."""
    state = read_state(file)
    return state["done"] if state and file.exists() and state.get("source") == made_from else 0


def read_state(file: Path) -> dict | None:
    """The cache's progress record (what it was made from, how many images are in, which decoder), if any."""
    try:
        return json.loads(file.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return None


def record_progress(file: Path, made_from: dict, count: int, decoder: str = "tensorflow") -> None:
    """Record that the first ``count`` images of ``made_from`` are in the cache ``file``; atomic, so an
    interruption never leaves a half-written progress file."""
    state = file.with_suffix(".json")
    partial_state = state.with_suffix(".json.partial")
    partial_state.write_text(json.dumps({"source": made_from, "done": count, "decoder": decoder}))
    partial_state.replace(state)


def prepare(root, image_size: int = 64, cache_dir=None, chunk: int = 4096, progress: bool = True) -> Path:
    """Decode every image of the data set once, in parallel, into a memory-mapped uint8 array
    (N, S, S, 3) in the attribute file's order, and return its path. Resumable: an interrupted run
    continues where it stopped; a finished cache is returned at once, and a stale one (made from
    other files) is made again. Two processes never write one cache at once: the second waits."""
    file = path(root, image_size, cache_dir)
    made_from = source(root, image_size)
    if done(file, made_from) == made_from["images"] and _intact(file, made_from):
        return file
    with locking.waiting_for(file.with_suffix(".lock"), f"caching the {image_size}px faces of {root}"):
        _fill(root, file, made_from, chunk, progress)
    return file


def _fill(root, file: Path, made_from: dict, chunk: int, show: bool) -> None:
    from tqdm.auto import tqdm

    from . import pipeline

    n, image_size = made_from["images"], made_from["image_size"]
    start = done(file, made_from)
    if start and not _intact(file, made_from):
        print(f"The cache {short_path(file)} is damaged (its file is cut short or of another shape): making it again.")
        start = 0
    if start == n:  # another process finished it while we waited
        return
    state = read_state(file)
    if state and state.get("source") != made_from:
        print(f"The cache {short_path(file)} was made from other files (or another version of the package): "
              f"making it again.")
    if file.parent == user_dir(root):
        print(f"{short_path(Path(root))} cannot be written, so the cache goes to {short_path(file.parent)}.")
    everything = data.index(root, "all", attributes=[])
    if not start:
        np.lib.format.open_memmap(file, mode="w+", dtype=np.uint8, shape=(n, image_size, image_size, 3)).flush()
        _reserve(file)
    images = np.lib.format.open_memmap(file, mode="r+")
    decoder = "tensorflow" if pipeline.installed() else "pil"
    decode = pipeline.uint8_faces if decoder == "tensorflow" else _pil_faces
    with tqdm(total=n, initial=start, unit="img", desc=f"caching {image_size}px faces", disable=not show) as bar:
        for batch in decode(root, everything.paths, everything.crop, image_size, start, chunk):
            images[start:start + len(batch)] = batch
            images.flush()
            start += len(batch)
            record_progress(file, made_from, start, decoder)
            bar.update(len(batch))
    del images


def _pil_faces(root, paths, crop: str, image_size: int, start: int, chunk: int):
    """Chunks of uint8 faces decoded with PIL (``data.load_face``) in a thread per core, from image ``start``
    on: how the cache is filled where TensorFlow is not installed."""
    load = partial(data.load_face, image_size=image_size, crop=crop)
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        for begin in range(start, len(paths), chunk):
            yield np.stack(list(pool.map(load, paths[begin:begin + chunk])))


def _reserve(file: Path) -> None:
    """Allocate the whole (sparse) cache file on disk now: a full disk then fails here, with an
    OSError that names the file, instead of killing the process later while pages are written."""
    if not hasattr(os, "posix_fallocate"):  # not on macOS or Windows
        return
    try:
        with open(file, "r+b") as handle:
            os.posix_fallocate(handle.fileno(), 0, file.stat().st_size)
    except OSError as error:
        file.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(file)) from None


def _intact(file: Path, made_from: dict) -> bool:
    """Whether the cache file holds a whole array of the recorded shape (not cut short by a full disk)."""
    size = made_from["image_size"]
    try:
        return np.load(file, mmap_mode="r").shape == (made_from["images"], size, size, 3)
    except (OSError, ValueError):
        return False


def read(root, image_size: int, cache_dir=None) -> np.ndarray:
    """The data set's uint8 faces (N, S, S, 3), memory-mapped from its cache (made first if missing)."""
    return np.load(prepare(root, image_size, cache_dir), mmap_mode="r")


def fits_on_device(nbytes: int) -> bool:
    """Whether Keras' JAX backend runs on an accelerator with room for ``nbytes`` of faces
    (``DEVICE_SHARE`` of its memory), so that ``Batches`` may keep them there."""
    if keras.backend.backend() != "jax":
        return False
    import jax

    device = jax.local_devices()[0]
    if device.platform == "cpu":
        return False
    limit = (device.memory_stats() or {}).get("bytes_limit", 0)
    return nbytes <= DEVICE_SHARE * limit


class Batches(keras.utils.PyDataset):
    """Batches ``((images, conditions),)`` of one split, gathered from the uint8 cache and scaled to
    [0, 1]: float32 images (B, S, S, 3) and 0/1 conditions (B, A), the form ``fit`` passes whole to the
    model. Shuffled again after every epoch when ``shuffle``. ``on_device`` (JAX): the split's faces
    sit in the accelerator's memory and each batch is gathered there, so no image crosses from the host
    during training."""

    def __init__(self, images: np.ndarray, index: data.Index, batch_size: int, shuffle: bool = True, seed: int = 0,
                 drop_remainder: bool = False, on_device: bool = False):
        super().__init__()
        self.rows, self.conditions, self.batch_size = index.rows, index.conditions, batch_size
        self.images, self.on_device = images, on_device
        if on_device:
            import jax

            self.images, self.rows = jax.device_put(np.ascontiguousarray(images[index.rows])), None
            self.conditions = jax.device_put(index.conditions)
            self.gather = jax.jit(lambda images, conditions, rows: (
                images[rows].astype("float32") * np.float32(1 / 255), conditions[rows]))
        self.order, self.shuffle = np.arange(len(index.rows)), shuffle
        self.rng = np.random.default_rng(seed)
        self.batches = (len(self.order) // batch_size if drop_remainder else math.ceil(len(self.order) / batch_size))
        self.on_epoch_end()

    def __len__(self):
        return self.batches

    def __getitem__(self, batch):
        chosen = np.sort(self.order[batch * self.batch_size:(batch + 1) * self.batch_size])  # sorted reads
        if self.on_device:
            return (self.gather(self.images, self.conditions, chosen),)
        return ((np.multiply(self.images[self.rows[chosen]], np.float32(1 / 255), dtype=np.float32),
                 self.conditions[chosen]),)

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)
