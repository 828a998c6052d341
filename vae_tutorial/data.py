"""Batches of faces for the models: (root, split, image size, attributes) → (images, conditions).

Three ways in, one geometry (a centre square around the face, resized):

* ``FaceSequence`` — a small, readable ``keras.utils.PyDataset`` that opens each JPEG with PIL
  when its batch is asked for (the seed article's memory-efficient generator);
* ``make_dataset`` — a ``tf.data`` pipeline that decodes in parallel, at reduced JPEG size when
  the target is small, and prefetches;
* ``prepare_cache`` — decodes everything once into a uint8 array on disk (memory-mapped) that
  ``make_dataset(cache=True)`` reads instead of the JPEGs.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from . import celeba, synthetic  # noqa: E402

SPLITS = ("train", "valid", "test", "all")
CROP_FRACTION = 148 / celeba.IMAGE_WIDTH  # the 148-pixel square commonly cut from CelebA's 178-pixel width
CACHE_DIRNAME = "vae_tutorial_cache"


@dataclass(frozen=True)
class Source:
    """Which data set the settings resolved to, and where its files are."""

    name: str  # "synthetic" or "celeba"
    root: Path


def resolve(settings) -> Source:
    """The data set the settings ask for; the synthetic faces are generated on first use."""
    if settings.dataset in ("celeba", "auto") and celeba.is_present(settings.celeba_dir):
        return Source("celeba", celeba.find(settings.celeba_dir).root)
    if settings.dataset == "celeba":
        celeba.find(settings.celeba_dir)  # raises, saying what was looked for and how to get CelebA
    root = synthetic.generate(settings.synthetic_dir, n=settings.synthetic_size, seed=settings.seed)
    return Source("synthetic", Path(root))


def crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the centre square around an aligned face."""
    side = round(CROP_FRACTION * width)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def dct_ratio(image_size: int) -> int:
    """Largest JPEG reduced-decoding ratio (1, 2, 4 or 8) that still leaves ≥ image_size pixels in the crop."""
    side = CROP_FRACTION * celeba.IMAGE_WIDTH
    return max(r for r in (1, 2, 4, 8) if side / r >= image_size)


@dataclass(frozen=True)
class Index:
    """The images of one split, in the attribute file's order."""

    paths: np.ndarray  # str, absolute file paths
    rows: np.ndarray  # int64, row of each image in the attribute file (the cache's order)
    conditions: np.ndarray  # float32 (N, A), 0/1
    attributes: tuple[str, ...]


def index(root, split: str = "train", attributes=None, limit: int | None = None) -> Index:
    """File paths, attribute-file rows and 0/1 conditions of a split (``all`` for every image)."""
    if split not in SPLITS:
        raise ValueError(f"split={split!r} is not one of {SPLITS}.")
    names = tuple(celeba.ATTRIBUTES if attributes is None else celeba.check_attribute_names(list(attributes)))
    frame = celeba.load_attributes(root)
    rows = np.arange(len(frame))
    if split != "all":
        rows = rows[(celeba.load_partition(root).reindex(frame.index) == split).to_numpy()]
    if limit is not None:
        rows = rows[:limit]
    if len(rows) == 0:
        raise ValueError(f"the {split!r} split of {root} holds no images; check list_eval_partition.")
    folder = celeba.images_dir(root)
    paths = np.array([str(folder / name) for name in frame.index[rows]])
    return Index(paths, rows, frame[list(names)].to_numpy(np.float32)[rows], names)


# ---------------------------------------------------------------------------------------------
# The readable way: a Keras PyDataset that opens files with PIL


def load_face(path, image_size: int) -> np.ndarray:
    """One face as uint8 (S, S, 3): decoded at reduced size when possible, centre-cropped, resized."""
    try:
        with Image.open(path) as image:
            ratio = dct_ratio(image_size)
            full = image.size
            image.draft("RGB", (full[0] // ratio, full[1] // ratio))
            scale = image.size[0] / full[0]
            box = tuple(v * scale for v in crop_box(*full))
            face = image.convert("RGB").resize((image_size, image_size), Image.BILINEAR, box=box)
    except (OSError, SyntaxError) as error:
        raise OSError(f"cannot read image {path}: {error}. Re-download or re-generate the data set.") from error
    return np.asarray(face)


class FaceSequence(keras.utils.PyDataset):
    """Batches of (images, conditions) read from disk only when asked for, so memory stays small.

    Extra keyword arguments (``workers``, ``use_multiprocessing``, ``max_queue_size``) go to
    ``keras.utils.PyDataset``.
    """

    def __init__(self, root, split="train", image_size=64, batch_size=64, attributes=None, shuffle=True, seed=0,
                 limit=None, **kwargs):
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
        images = np.stack([load_face(self.index.paths[i], self.image_size) for i in chosen])
        return images.astype(np.float32) / 255.0, self.index.conditions[chosen]

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)


# ---------------------------------------------------------------------------------------------
# The fast way: tf.data


def steady(dataset):
    """``dataset`` without tf.data's autotuner: its ``AUTOTUNE`` maps then run on all cores (up to 16)
    from the start. The autotuner starts again with every epoch, and in half the short epochs measured
    here it left the cores idle for ~0.4 s (benchmarks/README.md)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def face_window(image_size: int) -> list[int]:
    """[top, left, side, side] of the centre square in a CelebA-sized JPEG decoded at 1/``dct_ratio``
    (libjpeg rounds the reduced size up): the window the ``tf.data`` pipeline decodes."""
    ratio = dct_ratio(image_size)
    left, top, right, bottom = crop_box(-(-celeba.IMAGE_WIDTH // ratio), -(-celeba.IMAGE_HEIGHT // ratio))
    return [top, left, bottom - top, right - left]


def _face_decoder(image_size: int):
    """A TensorFlow function: JPEG file path → (uint8 centre square, decoded at reduced size and not
    yet resized; the JPEG's (height, width); the path). Only the window's rows and columns are decoded."""
    import tensorflow as tf

    ratio, window = dct_ratio(image_size), face_window(image_size)

    def decode(path):
        raw = tf.io.read_file(path)
        face = tf.io.decode_and_crop_jpeg(raw, window, channels=3, ratio=ratio, dct_method="INTEGER_FAST")
        return face, tf.io.extract_jpeg_shape(raw)[:2], path

    return decode


def _batch_resizer(image_size: int, scale: float):
    """A TensorFlow function on a batch: (faces, JPEG sizes, paths) → the faces area-resized to
    (S, S) and multiplied by ``scale``, float32. Fails naming the first image that is not CelebA-sized
    (its window would not be the face). One resize per batch spares the per-image ops of one per image,
    and area averaging antialiases the small downscale (< 2×) that ``dct_ratio`` leaves; benchmarks/README.md."""
    import tensorflow as tf

    expected = tf.constant([celeba.IMAGE_HEIGHT, celeba.IMAGE_WIDTH])

    def resize(faces, sizes, paths):
        wrong = tf.reduce_any(sizes != expected, axis=1)
        first = tf.argmax(tf.cast(wrong, tf.int32))
        check = tf.debugging.Assert(tf.logical_not(wrong[first]), [
            "Image", paths[first], "is", sizes[first], f"(height, width) pixels, not "
            f"{celeba.IMAGE_HEIGHT}x{celeba.IMAGE_WIDTH} like aligned CelebA images: replace it with its aligned "
            "version (img_align_celeba) or re-generate the data set."])
        with tf.control_dependencies([check]):
            return tf.image.resize(faces, (image_size, image_size), method="area") * scale

    return resize


def _faces(dataset, image_size: int, batch_size: int, scale: float, drop_remainder=False):
    """``dataset`` of JPEG paths, or of (path, label) pairs → batches of faces resized to (S, S) and
    multiplied by ``scale`` (with their labels), decoded in parallel."""
    import tensorflow as tf

    decode, resize = _face_decoder(image_size), _batch_resizer(image_size, scale)
    paired = isinstance(dataset.element_spec, tuple)
    faces = dataset.map((lambda path, label: (decode(path), label)) if paired else decode,
                        num_parallel_calls=tf.data.AUTOTUNE)
    faces = faces.batch(batch_size, drop_remainder=drop_remainder)
    return faces.map((lambda batch, labels: (resize(*batch), labels)) if paired else resize,
                     num_parallel_calls=tf.data.AUTOTUNE)


def _aligned_empty(shape, dtype, alignment: int = 64) -> np.ndarray:
    """An uninitialised array starting on an ``alignment``-byte boundary: TensorFlow takes such a
    ``numpy_function`` result as it is, where it copies a less aligned one (see benchmarks/README.md)."""
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    buffer = np.empty(nbytes + alignment, np.uint8)
    start = -buffer.ctypes.data % alignment
    return buffer[start:start + nbytes].view(dtype).reshape(shape)


class _Buffers:
    """Aligned float32 arrays for the cached pipeline's batches, each handed out again once TensorFlow
    has let go of it: a fresh array per batch makes the kernel clear its pages, which took as much CPU
    time as filling it (benchmarks/README.md). The ``keep`` newest arrays are kept."""

    def __init__(self, keep: int = 8):
        self.keep, self.arrays, self.lock = keep, [], threading.Lock()

    def get(self, shape) -> np.ndarray:
        with self.lock:
            for array in self.arrays:
                if array.shape == shape and sys.getrefcount(array) == 3:  # the list, `array` and the call
                    return array
            self.arrays = [*self.arrays[-(self.keep - 1):], _aligned_empty(shape, np.float32)]
            return self.arrays[-1]


def make_dataset(root, split="train", image_size=64, batch_size=64, attributes=None, shuffle=True, seed=0,
                 cache=False, drop_remainder=False, limit=None, cache_dir=None):
    """A ``tf.data.Dataset`` of ``(images, conditions)``: float32 images in [0, 1] of shape
    (B, S, S, 3) and float32 0/1 conditions (B, A) in the order of ``attributes`` (all 40 when None).

    With ``shuffle=False`` the order is the attribute file's. With ``cache=True`` the images come
    from the uint8 array that ``prepare_cache`` wrote in ``cache_dir`` (made now if missing), so no
    JPEG is decoded.
    """
    import tensorflow as tf

    idx = index(root, split, attributes, limit)
    autotune = tf.data.AUTOTUNE
    if cache:
        images = np.load(prepare_cache(root, image_size, cache_dir), mmap_mode="r")
        buffers = _Buffers()
        shapes = (None, image_size, image_size, 3), (None, len(idx.attributes))

        def gather(rows):
            rows = np.sort(rows)  # batches are random anyway; sorted reads are kinder to the disk
            batch = images[idx.rows[rows]]
            floats = buffers.get(batch.shape)
            np.multiply(batch, np.float32(1 / 255), out=floats)  # to [0, 1] in one pass
            return floats, idx.conditions[rows]

        def load(rows):
            batch = tf.numpy_function(gather, [rows], (tf.float32, tf.float32))
            return tuple(tf.ensure_shape(tensor, shape) for tensor, shape in zip(batch, shapes))

        dataset = tf.data.Dataset.range(len(idx.rows))
        if shuffle:
            dataset = dataset.shuffle(len(idx.rows), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
        dataset = dataset.map(load, num_parallel_calls=autotune)
    else:
        dataset = tf.data.Dataset.from_tensor_slices((idx.paths, idx.conditions))
        if shuffle:
            dataset = dataset.shuffle(len(idx.paths), seed=seed, reshuffle_each_iteration=True)
        dataset = _faces(dataset, image_size, batch_size, 1 / 255, drop_remainder)
    return steady(dataset.prefetch(autotune))


def load_arrays(root, split="train", image_size=64, attributes=None, limit=None, batch_size=256, cache=False,
                cache_dir=None):
    """A split (or its first ``limit`` images) as in-memory arrays: float32 images and conditions.
    ``cache=True``: from the uint8 cache (made first if missing), without TensorFlow when it is ready."""
    if cache:
        idx = index(root, split, attributes, limit)
        images = np.load(prepare_cache(root, image_size, cache_dir), mmap_mode="r")
        return np.multiply(images[idx.rows], np.float32(1 / 255), dtype=np.float32), idx.conditions
    dataset = make_dataset(root, split, image_size, batch_size, attributes, shuffle=False, limit=limit)
    images, conditions = zip(*((x.numpy(), c.numpy()) for x, c in dataset))
    return np.concatenate(images), np.concatenate(conditions)


# ---------------------------------------------------------------------------------------------
# Prepare once: a uint8 cache on disk


def cache_path(root, image_size: int, cache_dir=None) -> Path:
    """Where the uint8 cache of a data set at one image size lives (``root/vae_tutorial_cache``)."""
    return Path(cache_dir or Path(root) / CACHE_DIRNAME) / f"images_{image_size}px.npy"


def cache_progress(root, image_size: int, cache_dir=None) -> tuple[int, int]:
    """(images already in the cache, images in the data set): equal when the cache is ready to train from."""
    n = len(index(root, "all", attributes=[]).paths)
    return _cache_progress(cache_path(root, image_size, cache_dir), n), n


def prepare_cache(root, image_size=64, cache_dir=None, chunk=4096, progress=True) -> Path:
    """Decode every image of the data set once, in parallel, into a memory-mapped uint8 array
    (N, S, S, 3) in the attribute file's order. Resumable: an interrupted run continues where it
    stopped; a finished cache is returned at once."""
    path = cache_path(root, image_size, cache_dir)
    idx = index(root, "all", attributes=[])
    n = len(idx.paths)
    start = _cache_progress(path, n)
    if start == n:
        return path
    import tensorflow as tf
    from tqdm.auto import tqdm

    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (n, image_size, image_size, 3)
    images = (np.lib.format.open_memmap(path, mode="r+") if start else
              np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=shape))
    faces = _faces(tf.data.Dataset.from_tensor_slices(idx.paths[start:]), image_size, 256, 1.0)
    # area averages stay within [0, 255], so adding 0.5 and truncating rounds them
    dataset = steady(faces.map(lambda x: tf.cast(x + 0.5, tf.uint8)).rebatch(chunk).prefetch(2))
    with tqdm(total=n, initial=start, unit="img", desc=f"caching {image_size}px faces", disable=not progress) as bar:
        for batch in dataset:
            batch = batch.numpy()
            images[start:start + len(batch)] = batch
            images.flush()
            start += len(batch)
            _write_cache_progress(path, n, start)
            bar.update(len(batch))
    del images
    return path


def _cache_progress(path: Path, n: int) -> int:
    """How many of the ``n`` images the cache at ``path`` already holds (0 without one, or for another set)."""
    try:
        state = json.loads(path.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return 0
    return state["done"] if path.exists() and state.get("n") == n else 0


def _write_cache_progress(path: Path, n: int, done: int) -> None:
    """Record that the first ``done`` of ``n`` images are in the cache; atomic, so an interruption
    never leaves a half-written progress file."""
    state_path = path.with_suffix(".json")
    partial = state_path.with_suffix(".json.partial")
    partial.write_text(json.dumps({"n": n, "done": done}))
    partial.replace(state_path)
