"""Batches of faces, the fast way: ``tf.data`` pipelines and a uint8 cache on disk.

* ``make_dataset`` — batches of (images, conditions) decoded in parallel from the JPEGs, at reduced
  JPEG size when the target is small, or read from the cache (``cache=True``);
* ``uint8_faces`` — the faces decoded to fill the uint8 cache (``uint8_cache.py``, its one home);
* ``load_arrays`` — a split as in-memory arrays.

TensorFlow is imported inside the functions that build pipelines, so a finished cache is read
without it (the GPU machines have JAX only).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from typing import TYPE_CHECKING

import numpy as np

from . import celeba, folder, uint8_cache
from .data import Index, crop_box, dct_ratio, index, load_face

if TYPE_CHECKING:
    import tensorflow as tf


def installed() -> bool:
    """Whether TensorFlow, which every pipeline here needs, can be imported."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except ImportError:  # a finder that refuses it
        return False


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
    """A TensorFlow function on a batch: (faces, JPEG sizes, paths) → the faces area-resized to (S, S)
    in one step (area averaging antialiases what ``dct_ratio`` leaves) and multiplied by ``scale``, float32.
    Fails naming the first image that is not CelebA-sized (its window would not be the face)."""
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


def _pil_decoder(image_size: int):
    """A TensorFlow function for your own images: path → (the uint8 face ``data.load_face`` reads, the
    path). PIL rather than TensorFlow's decoders: phone photos are turned upright by their EXIF tag and
    every mode and bit depth reads as in the PIL path, so both paths give the same pixels."""
    import tensorflow as tf

    def read(path):
        return load_face(os.fsdecode(path), image_size, "square")

    def decode(path):
        face = tf.numpy_function(read, [path], tf.uint8, stateful=False)
        return tf.ensure_shape(face, (image_size, image_size, 3)), path

    return decode


def _faces(dataset, image_size: int, batch_size: int, scale: float, drop_remainder=False, crop: str = "face"):
    """``dataset`` of image paths, or of (path, label) pairs → batches of faces resized to (S, S) and
    multiplied by ``scale`` (with their labels), decoded in parallel. ``crop``: "face" for CelebA's
    layout (only the face window of each 178×218 JPEG is decoded, one resize per batch), "square" for
    your own images (any size and kind: each is read by ``data.load_face``)."""
    import tensorflow as tf

    if crop == "face":
        decode, resize = _face_decoder(image_size), _batch_resizer(image_size, scale)
    else:
        decode, resize = _pil_decoder(image_size), lambda faces, paths: tf.cast(faces, tf.float32) * scale
    paired = isinstance(dataset.element_spec, tuple)
    faces = dataset.map((lambda path, label: (decode(path), label)) if paired else decode,
                        num_parallel_calls=tf.data.AUTOTUNE)
    faces = faces.batch(batch_size, drop_remainder=drop_remainder)
    return faces.map((lambda batch, labels: (resize(*batch), labels)) if paired else resize,
                     num_parallel_calls=tf.data.AUTOTUNE)


def make_dataset(root, split: str = "train", image_size: int = 64, batch_size: int = 64, attributes=None,
                 shuffle: bool = True, seed: int = 0, cache: bool = False, drop_remainder: bool = False,
                 limit: int | None = None, cache_dir=None) -> tf.data.Dataset:
    """A ``tf.data.Dataset`` of ``(images, conditions)``: float32 images in [0, 1] of shape
    (B, S, S, 3) and float32 0/1 conditions (B, A) in the order of ``attributes`` (all 40 when None).

    With ``shuffle=False`` the order is the attribute file's. With ``cache=True`` the images come
    from the uint8 cache in ``cache_dir`` (``uint8_cache.prepare``; made now if missing), so no
    JPEG is decoded.
    """
    import tensorflow as tf

    idx = index(root, split, attributes, limit)
    if cache:
        images = uint8_cache.read(root, image_size, cache_dir)
        dataset = _cached_batches(idx, images, batch_size, shuffle, seed, drop_remainder)
    else:
        dataset = _jpeg_batches(idx, image_size, batch_size, shuffle, seed, drop_remainder)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _jpeg_batches(idx: Index, image_size: int, batch_size: int, shuffle: bool, seed: int, drop_remainder: bool):
    """Batches decoded from the JPEGs of ``idx``, in parallel."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((idx.paths, idx.conditions))
    if shuffle:
        dataset = dataset.shuffle(len(idx.paths), seed=seed, reshuffle_each_iteration=True)
    return _faces(dataset, image_size, batch_size, 1 / 255, drop_remainder, idx.crop)


def _cached_batches(idx: Index, images: np.ndarray, batch_size: int, shuffle: bool, seed: int,
                    drop_remainder: bool):
    """Batches gathered from the uint8 cache ``images`` (memory-mapped): shuffled row numbers are
    batched, and each batch of rows is read and scaled to [0, 1] in one numpy step."""
    import tensorflow as tf

    shapes = (None, *images.shape[1:]), (None, len(idx.attributes))

    def gather(rows):
        rows = np.sort(rows)  # batches are random anyway; sorted reads are kinder to the disk
        return np.multiply(images[idx.rows[rows]], np.float32(1 / 255), dtype=np.float32), idx.conditions[rows]

    def load(rows):
        batch = tf.numpy_function(gather, [rows], (tf.float32, tf.float32))
        return tuple(tf.ensure_shape(tensor, shape) for tensor, shape in zip(batch, shapes))

    dataset = tf.data.Dataset.range(len(idx.rows))
    if shuffle:
        dataset = dataset.shuffle(len(idx.rows), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).map(load, num_parallel_calls=tf.data.AUTOTUNE)


def load_arrays(root, split: str = "train", image_size: int = 64, attributes=None, limit: int | None = None,
                batch_size: int = 256, cache: bool = False, cache_dir=None) -> tuple[np.ndarray, np.ndarray]:
    """A split (or its first ``limit`` images) as in-memory arrays: float32 images and conditions.
    ``cache=True``: from the uint8 cache (made first if missing), without TensorFlow when it is ready."""
    if cache:
        idx = index(root, split, attributes, limit)
        images = uint8_cache.read(root, image_size, cache_dir)
        return np.multiply(images[idx.rows], np.float32(1 / 255), dtype=np.float32), idx.conditions
    dataset = make_dataset(root, split, image_size, batch_size, attributes, shuffle=False, limit=limit)
    with naming_damaged_images(root, split):
        images, conditions = zip(*((x.numpy(), c.numpy()) for x, c in dataset))
    return np.concatenate(images), np.concatenate(conditions)


def uint8_faces(root, paths, crop: str, image_size: int, start: int, chunk: int):
    """Chunks of ``chunk`` uint8 faces decoded by TensorFlow from ``paths[start:]``, in order: how the
    uint8 cache is filled (``uint8_cache.prepare``); a damaged image is named."""
    import tensorflow as tf

    faces = _faces(tf.data.Dataset.from_tensor_slices(paths[start:]), image_size, 256, 1.0, crop=crop)
    # area averages stay within [0, 255], so adding 0.5 and truncating rounds them
    dataset = faces.map(lambda x: tf.cast(x + 0.5, tf.uint8)).rebatch(chunk).prefetch(2)
    with naming_damaged_images(root, "all", start):
        for batch in dataset:
            yield batch.numpy()


@contextlib.contextmanager
def naming_damaged_images(root, split: str = "all", start: int = 0):
    """TensorFlow's decoding errors name no file: turn them into one that names every damaged image
    of the split (from image ``start`` on; checked with PIL, in parallel, only once TensorFlow has
    failed) and says how to fix it."""
    import tensorflow as tf

    try:
        yield
    except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError, tf.errors.DataLossError, tf.errors.UnknownError):
        idx = index(root, split, attributes=[])
        if idx.kind == "folder":  # your own images, read by data.load_face
            damaged = folder.damaged_images(idx.paths[start:])
            if damaged:
                raise folder.DamagedImagesError(damaged, folder.find(root)) from None
            raise
        damaged = celeba.damaged_images(idx.paths[start:])
        if not damaged:
            raise
        raise celeba.DamagedImagesError(damaged) from None
