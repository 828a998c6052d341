"""CelebA's files: find them in any usual layout, parse them exactly, check them, download them.

Knows nothing about models. ``layout`` finds a copy, ``annotations`` reads and writes its attribute
and partition lists, ``verify`` checks it (``images``: that every image decodes), ``download``
fetches it; every public name is here too.
"""

from .annotations import (
    ATTRIBUTES,
    IMAGE_ID,
    PARTITIONS,
    CelebAFormatError,
    check_attribute_names,
    load_attributes,
    load_partition,
    write_attributes_txt,
    write_partition_txt,
)
from .download import KAGGLE_HANDLE, CelebADownloadError, download
from .images import DamagedImagesError, damaged_images, image_problem
from .layout import IMAGE_HEIGHT, IMAGE_WIDTH, CelebANotFoundError, Layout, find, images_dir, is_present
from .verify import OFFICIAL_MD5, FileCheck, VerifyReport, verify

__all__ = [
    "ATTRIBUTES",
    "IMAGE_HEIGHT",
    "IMAGE_ID",
    "IMAGE_WIDTH",
    "KAGGLE_HANDLE",
    "OFFICIAL_MD5",
    "PARTITIONS",
    "CelebADownloadError",
    "CelebAFormatError",
    "DamagedImagesError",
    "CelebANotFoundError",
    "FileCheck",
    "Layout",
    "VerifyReport",
    "check_attribute_names",
    "damaged_images",
    "download",
    "find",
    "image_problem",
    "images_dir",
    "is_present",
    "load_attributes",
    "load_partition",
    "verify",
    "write_attributes_txt",
    "write_partition_txt",
]
