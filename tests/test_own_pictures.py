"""Your own images, read as a viewer shows them and identical on every path: EXIF orientation, any mode or
bit depth, damaged files named with a fix that works for a folder."""

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

from vae_tutorial import data, folder, pipeline

SIZE = 16
# stored = upright.transpose(T[o]) is what a camera writes with EXIF orientation o: a viewer turns it back
STORED = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
          5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
          8: Image.Transpose.ROTATE_270}


def upright() -> Image.Image:
    """A portrait (48×64) no turn or mirror maps onto itself: red, green, blue bands top to bottom, a
    black stripe on the left."""
    pixels = np.zeros((64, 48, 3), np.uint8)
    pixels[:22], pixels[22:43], pixels[43:] = (220, 30, 30), (30, 200, 30), (30, 30, 220)
    pixels[:, :12] = 0
    return Image.fromarray(pixels)


def save_turned(path, orientation: int, image=None):
    exif = Image.Exif()
    exif[0x0112] = orientation
    (image or upright()).transpose(STORED[orientation]).save(path, exif=exif.tobytes(), quality=95)


def awkward_pictures(images):
    """One file of each awkward kind a user's folder holds; returns their names."""
    save_turned(images / "portrait_6.jpg", 6)
    save_turned(images / "upside_down_3.jpg", 3)
    save_turned(images / "mirrored_turned_7.png", 7)  # PNGs carry EXIF too
    gray = np.tile(np.linspace(0, 65535, 40), (30, 1)).astype(np.uint16)
    Image.fromarray(gray).save(images / "gray16.png")  # mode I;16
    Image.fromarray(np.full((30, 40), 30000, np.int32)).save(images / "gray_I.png", format="TIFF")  # mode I
    Image.fromarray(np.full((30, 40), 0.5, np.float32)).save(images / "float_tiff.png", format="TIFF")  # mode F
    upright().convert("CMYK").save(images / "cmyk.jpg")
    palette = upright().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    palette.info["transparency"] = palette.getpixel((30, 5))  # the red band is transparent
    palette.save(images / "palette_transparent.png", transparency=palette.getpixel((30, 5)))
    rgba = upright().convert("RGBA")
    rgba.putalpha(Image.new("L", rgba.size, 128))
    rgba.save(images / "half_transparent.png")
    upright().convert("LA").save(images / "gray_alpha.png")
    rgb16 = (np.asarray(upright(), np.uint16) * 257)
    (images / "rgb16.png").write_bytes(tf.io.encode_png(tf.constant(rgb16)).numpy())
    upright().convert("1").save(images / "bilevel.png")
    upright().save(images / "really_a_gif.png", format="GIF")
    upright().convert("L").save(images / "gray.jpg")
    return sorted(p.name for p in images.iterdir())


@pytest.fixture
def awkward(tmp_path):
    root = tmp_path / "awkward"
    (root / "photos").mkdir(parents=True)
    names = awkward_pictures(root / "photos")
    pd.DataFrame({"file": names, "smiling": [k % 2 for k in range(len(names))]}).to_csv(root / "labels.csv",
                                                                                       index=False)
    return root


@pytest.mark.parametrize("orientation", sorted(STORED))
def test_photos_are_read_upright_whatever_their_exif_orientation(tmp_path, orientation):
    upright().save(tmp_path / "upright.png")
    save_turned(tmp_path / "turned.jpg", orientation)
    reference = data.load_face(tmp_path / "upright.png", SIZE, "square").astype(float)
    face = data.load_face(tmp_path / "turned.jpg", SIZE, "square").astype(float)
    assert np.abs(face - reference).mean() < 6  # JPEG noise only; a sideways or mirrored read differs by ~60


def test_every_path_gives_the_same_pixels_for_awkward_pictures(awkward):
    """PIL (load_face, FaceSequence) and tf.data (make_dataset and load_arrays, cache off and on)."""
    paths = data.index(awkward, "all").paths
    by_pil = np.stack([data.load_face(p, SIZE, "square") for p in paths])
    sequence = data.FaceSequence(awkward, "all", SIZE, batch_size=len(paths), shuffle=False)[0][0]
    streamed = np.concatenate([x.numpy() for x, _ in pipeline.make_dataset(awkward, "all", SIZE, 5, shuffle=False)])
    cached = np.concatenate([x.numpy() for x, _ in pipeline.make_dataset(awkward, "all", SIZE, 5, shuffle=False,
                                                                         cache=True)])
    arrays = pipeline.load_arrays(awkward, "all", SIZE)[0]
    arrays_cached = pipeline.load_arrays(awkward, "all", SIZE, cache=True)[0]
    for floats in (sequence, streamed, cached, arrays, arrays_cached):
        assert np.array_equal(np.round(floats * 255).astype(np.uint8), by_pil)
    faces = dict(zip([p.rsplit("/", 1)[-1] for p in paths], by_pil.astype(int)))
    assert abs(faces["gray_I.png"].mean() - 30000 / 257) < 1  # 16-bit gray scaled, not clipped to white
    assert faces["gray16.png"][:, 0].mean() < 60 and faces["gray16.png"][:, -1].mean() > 195  # a ramp, not white
    assert abs(faces["float_tiff.png"].mean() - 128) < 1  # floats in [0, 1]
    assert (faces["palette_transparent.png"][0, 6:] == 255).all()  # the transparent red band shows white
    assert faces["portrait_6.jpg"][0, -1, 0] > 150 and faces["portrait_6.jpg"][-1, -1, 2] > 150  # red top, blue bottom
    cmyk = faces["cmyk.jpg"]
    assert cmyk[0, -1, 0] > 150 and cmyk[0, -1, 1:].max() < 100  # CMYK converted, red stays red


def test_damaged_pictures_are_named_with_a_fix_for_a_folder(awkward):
    photos = awkward / "photos"
    (photos / "gray.jpg").write_bytes((photos / "gray.jpg").read_bytes()[:200])  # cut short
    (photos / "bilevel.png").write_bytes(b"")  # zero bytes
    with pytest.raises(folder.DamagedImagesError) as caught:
        pipeline.load_arrays(awkward, "all", SIZE)
    message = str(caught.value)
    assert "2 damaged image(s)" in message and "bilevel.png: not a picture" in message and "gray.jpg" in message
    assert f"verify --data {awkward} --images" in message and "CelebA" not in message and "\n" not in message
    with pytest.raises(OSError, match=r"bilevel.png.* remove its line from the labels CSV; .*verify --data"):
        data.load_face(photos / "bilevel.png", SIZE, "square")
