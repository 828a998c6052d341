"""A CelebA-sized synthetic data set written straight into the cache format, without JPEGs.

    python benchmarks/celeba_sized.py --root DIR [--n 202599] [--image-size 64] [--distinct 8192]

Writes ``list_attr_celeba.txt`` and ``list_eval_partition.txt`` (CelebA's split sizes when n is
CelebA's 202,599), ``img_align_celeba/`` with one JPEG hard-linked under every name, and the finished
uint8 cache that ``uint8_cache.prepare`` would make, recorded as made from these files, so
``training.train`` and ``make_dataset(cache=True)`` read it as they read a prepared CelebA.
``distinct`` faces are drawn (in parallel) and repeated, mirrored every other time, to fill ``n``
rows: training speed does not depend on what the pixels show, and drawing 202,599 faces would take
minutes of a lent GPU machine's time. Tiny check: ``--n 300 --image-size 16``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's vae_tutorial

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from vae_tutorial import celeba, data, synthetic, uint8_cache  # noqa: E402

CELEBA_IMAGES = sum(synthetic.CELEBA_SPLIT_SIZES)


def draw(index: int, image_size: int, seed: int = 0) -> tuple[dict, np.ndarray]:
    """Synthetic face ``index`` and its attributes, cropped and resized as ``data.load_face`` does."""
    attributes, image = synthetic.sample_face(seed, index)
    face = image.resize((image_size, image_size), Image.BILINEAR, box=data.crop_box(*image.size))
    return attributes, np.asarray(face)


def write_annotations(root: Path, attributes: pd.DataFrame, n: int) -> pd.Index:
    """CelebA's attribute and partition files for ``n`` images whose attributes repeat the rows of
    ``attributes`` in turn (CelebA's split proportions), and an empty image folder; returns the image names."""
    names = pd.Index([synthetic.image_name(i) for i in range(n)], name="image_id")
    rows = attributes.iloc[np.arange(n) % len(attributes)].set_axis(names)
    rows = rows.reindex(columns=list(celeba.ATTRIBUTES), fill_value=0).astype(int)
    (root / synthetic.IMAGE_DIR_NAME).mkdir(parents=True, exist_ok=True)
    celeba.write_attributes_txt(root / synthetic.ATTRIBUTES_FILE_NAME, rows)
    split = np.repeat(celeba.PARTITIONS, synthetic.partition_sizes(n))
    celeba.write_partition_txt(root / synthetic.PARTITION_FILE_NAME, pd.Series(split, index=names))
    return names


def build(root, n: int = CELEBA_IMAGES, image_size: int = 64, distinct: int = 8192, seed: int = 0) -> Path:
    """Write the set into ``root`` and return the cache's path."""
    root, distinct = Path(root), min(distinct, n)
    with Pool(os.cpu_count()) as pool:
        drawn = pool.map(partial(draw, image_size=image_size, seed=seed), range(distinct), chunksize=64)
    faces = np.stack([face for _, face in drawn])
    names = write_annotations(root, pd.DataFrame([attributes for attributes, _ in drawn]), n)
    link_one_jpeg(root / synthetic.IMAGE_DIR_NAME, names, seed)
    path = uint8_cache.path(root, image_size)
    path.parent.mkdir(parents=True, exist_ok=True)
    images = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(n, image_size, image_size, 3))
    for start in range(0, n, distinct):
        block = faces[:min(distinct, n - start)]
        images[start:start + len(block)] = block[:, :, ::-1] if (start // distinct) % 2 else block
    images.flush()
    del images
    uint8_cache.record_progress(path, uint8_cache.source(root, image_size), n, decoder="celeba_sized.py")
    return path


def link_one_jpeg(folder: Path, names, seed: int = 0) -> None:
    """One drawn face saved as a CelebA-sized JPEG under the first name and hard-linked under the others:
    every listed file exists (the cache records them) at the cost of one."""
    first = folder / names[0]
    synthetic.sample_face(seed, 0)[1].save(first, quality=90)
    for name in names[1:]:
        target = folder / name
        target.unlink(missing_ok=True)
        os.link(first, target)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--n", type=int, default=CELEBA_IMAGES)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--distinct", type=int, default=8192, help="faces drawn; the rest repeat them mirrored")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    path = build(args.root, args.n, args.image_size, args.distinct)
    print(f"wrote {args.n:,} faces ({min(args.distinct, args.n):,} distinct) of {args.image_size} px to {path} "
          f"in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
