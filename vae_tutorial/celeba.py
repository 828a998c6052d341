"""CelebA's files: find them in any usual layout, parse them exactly, check them, download them.

Knows nothing about models. The official text formats are written here too, so the synthetic
data set (synthetic.py) and the test fixtures use one writer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
    "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young"
).split()
PARTITIONS = ("train", "valid", "test")  # codes 0, 1, 2 in list_eval_partition
IMAGE_WIDTH, IMAGE_HEIGHT = 178, 218


def write_attributes_txt(path: Path, attributes: pd.DataFrame) -> None:
    """Write ``list_attr_celeba.txt`` exactly as the official file: count line, header with a
    trailing space, then ``name`` and 40 values of -1/1 right-aligned to width 2."""
    values = attributes[list(ATTRIBUTES)].to_numpy().astype(int) * 2 - 1
    lines = [str(len(attributes)), " ".join(ATTRIBUTES) + " "]
    lines += [f"{name} " + " ".join(f"{v:2d}" for v in row) for name, row in zip(attributes.index, values)]
    Path(path).write_text("\n".join(lines) + "\n")


def write_partition_txt(path: Path, partition: pd.Series) -> None:
    """Write ``list_eval_partition.txt``: ``000001.jpg 0`` per line (0 train, 1 valid, 2 test)."""
    codes = partition.map({name: i for i, name in enumerate(PARTITIONS)})
    Path(path).write_text("".join(f"{name} {code}\n" for name, code in codes.items()))
