"""Synthetic CelebA: procedurally drawn, aligned faces written in CelebA's exact file layout.

CelebA cannot be downloaded everywhere (CI, Binder, offline laptops), so the tutorial's default data set is
drawn here: ``generate(root)`` writes ``img_align_celeba/000001.jpg …`` (178×218 RGB JPEGs, aligned like
CelebA's), ``list_attr_celeba.txt`` and ``list_eval_partition.txt`` in the official formats, so everything
downstream reads synthetic and real data through one code path.

Fifteen of CelebA's 40 attributes are drawn (``RENDERED``); every other attribute is -1 in every row.
Each image depends only on ``(seed, index)``: it has its own random generator, so image 17 is the same
whether 20 or 20,000 images are generated, and the same seed always gives byte-identical files.

``attributes`` samples which attributes a face has, ``look`` everything else about it, ``drawing`` draws
it (from ``hair``, ``face_parts``, ``mouth`` and ``accessories``, with ``pen``, ``geometry``, ``colours``
and ``lighting``), and ``dataset`` writes the set; every public name is here too.
"""

from .attributes import CELEBA_RATES, HAIR_COLOURS, PLAIN_FACE, RENDERED, sample_attributes
from .dataset import (
    ATTRIBUTES_FILE_NAME,
    CELEBA_SPLIT_SIZES,
    FORMAT_VERSION,
    IMAGE_DIR_NAME,
    MANIFEST_NAME,
    PARTITION_FILE_NAME,
    face_rng,
    generate,
    image_name,
    partition_sizes,
    sample_face,
)
from .drawing import draw_face

__all__ = [
    "ATTRIBUTES_FILE_NAME",
    "CELEBA_RATES",
    "CELEBA_SPLIT_SIZES",
    "FORMAT_VERSION",
    "HAIR_COLOURS",
    "IMAGE_DIR_NAME",
    "MANIFEST_NAME",
    "PARTITION_FILE_NAME",
    "PLAIN_FACE",
    "RENDERED",
    "draw_face",
    "face_rng",
    "generate",
    "image_name",
    "partition_sizes",
    "sample_attributes",
    "sample_face",
]
