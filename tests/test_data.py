import numpy as np
import pytest

from vae_tutorial import celeba, data, pipeline, settings, synthetic, uint8_cache

N = 40


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return synthetic.generate(tmp_path_factory.mktemp("synthetic"), n=N, seed=3, progress=False)


def test_crop_is_the_centre_148_square_of_a_celeba_image():
    assert data.crop_box(178, 218) == (15, 35, 163, 183)


@pytest.mark.parametrize("size, window", [(128, [35, 15, 148, 148]), (64, [17, 7, 74, 74]), (32, [9, 4, 37, 37])])
def test_decoded_window_is_the_crop_box_at_the_reduced_size(size, window):
    assert pipeline.face_window(size) == window  # 128 px: ratio 1, exactly crop_box(178, 218)


@pytest.mark.parametrize("size, ratio", [(16, 8), (32, 4), (64, 2), (128, 1), (148, 1)])
def test_reduced_jpeg_decoding_keeps_enough_pixels(size, ratio):
    assert data.dct_ratio(size) == ratio


def test_splits_partition_the_images_in_file_order(root):
    sizes = {split: len(data.index(root, split).paths) for split in ("train", "valid", "test")}
    assert sum(sizes.values()) == N and sizes["train"] > sizes["valid"] > 0
    all_rows = data.index(root, "all").rows
    assert list(all_rows) == list(range(N))


def test_bad_split_and_attribute_names_are_explained(root):
    with pytest.raises(ValueError, match="validation"):
        data.index(root, "validation")
    with pytest.raises(ValueError, match="Smiling"):
        data.index(root, attributes=["Smile"])


def test_dataset_yields_float_images_and_conditions_in_file_order(root):
    attributes = ["Smiling", "Male", "Eyeglasses"]
    dataset = pipeline.make_dataset(root, "all", image_size=32, batch_size=16, attributes=attributes, shuffle=False)
    batches = list(dataset)
    images = np.concatenate([x.numpy() for x, _ in batches])
    conditions = np.concatenate([c.numpy() for _, c in batches])
    assert [tuple(x.shape) for x, _ in batches] == [(16, 32, 32, 3), (16, 32, 32, 3), (8, 32, 32, 3)]
    assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1 and images.std() > 0.05
    expected = celeba.load_attributes(root)[attributes].to_numpy(np.float32)
    np.testing.assert_array_equal(conditions, expected)


def test_shuffled_dataset_holds_the_same_images(root):
    ordered, _ = pipeline.load_arrays(root, "train", image_size=16)
    shuffled = np.concatenate([x.numpy() for x, _ in pipeline.make_dataset(root, "train", 16, 8, shuffle=True)])
    assert not np.array_equal(ordered, shuffled)
    np.testing.assert_allclose(np.sort(ordered.reshape(len(ordered), -1).sum(1)),
                               np.sort(shuffled.reshape(len(shuffled), -1).sum(1)), rtol=1e-5)


def test_face_sequence_and_tf_data_agree(root):
    sequence = data.FaceSequence(root, "all", image_size=32, batch_size=8, attributes=["Smiling"], shuffle=False)
    assert len(sequence) == N // 8
    x_seq, c_seq = sequence[1]
    x_tf, c_tf = pipeline.load_arrays(root, "all", image_size=32, attributes=["Smiling"], limit=16)
    np.testing.assert_array_equal(c_seq, c_tf[8:16])
    assert x_seq.shape == (8, 32, 32, 3) and x_seq.dtype == np.float32
    assert np.abs(x_seq - x_tf[8:16]).mean() < 0.03  # PIL and TensorFlow resample slightly differently


def test_cached_dataset_matches_the_cold_pipeline(root, tmp_path):
    cold, cold_c = pipeline.load_arrays(root, "valid", image_size=32)
    path = uint8_cache.prepare(root, 32, cache_dir=tmp_path, progress=False)
    assert np.load(path, mmap_mode="r").shape == (N, 32, 32, 3)
    cached = pipeline.make_dataset(root, "valid", 32, 64, shuffle=False, cache=True, cache_dir=tmp_path)
    x, c = next(iter(cached))
    np.testing.assert_array_equal(c.numpy(), cold_c)
    assert np.abs(x.numpy() - cold).max() <= 1 / 255 + 1e-6
    arrays, conditions = pipeline.load_arrays(root, "valid", 32, cache=True, cache_dir=tmp_path)
    np.testing.assert_array_equal(arrays, x.numpy())
    np.testing.assert_array_equal(conditions, cold_c)


def test_unreadable_image_names_the_file(tmp_path):
    bad = tmp_path / "000001.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(OSError, match="000001.jpg"):
        data.load_face(bad, 32)


def test_cached_batches_held_by_the_caller_are_never_overwritten(root, tmp_path):
    dataset = pipeline.make_dataset(root, "all", 32, 8, ["Smiling"], cache=True, cache_dir=tmp_path)
    held = [x for x, _ in dataset]  # tensors kept alive while later epochs are made
    copies = [x.numpy().copy() for x in held]
    for _ in range(3):
        later = [x.numpy().sum() for x, _ in dataset]
    assert len(later) == len(held) and all(np.array_equal(x.numpy(), c) for x, c in zip(held, copies))


@pytest.mark.parametrize("cache", [False, True])
def test_both_pipelines_declare_their_shapes(root, tmp_path, cache):
    dataset = pipeline.make_dataset(root, "all", 32, 8, ["Smiling", "Male"], cache=cache, cache_dir=tmp_path)
    assert [(spec.shape.as_list(), spec.dtype.name) for spec in dataset.element_spec] == [
        ([None, 32, 32, 3], "float32"), ([None, 2], "float32")]


def test_an_image_of_another_size_is_named(root, tmp_path):
    import shutil

    from PIL import Image

    copy = shutil.copytree(root, tmp_path / "copy")
    name = celeba.load_attributes(copy).index[5]
    Image.new("RGB", (200, 250)).save(celeba.images_dir(copy) / name)
    with pytest.raises(celeba.DamagedImagesError, match=f"{name}: 200×250 pixels, not 178×218"):
        pipeline.load_arrays(copy, "all", image_size=32)


def test_resolve_generates_synthetic_faces_or_finds_celeba(tmp_path, root):
    s = settings.load(dataset="synthetic", data_dir=tmp_path, synthetic_size=12)
    source = data.resolve(s)
    assert source.name == "synthetic" and len(celeba.load_attributes(source.root)) == 12
    with pytest.raises(celeba.CelebANotFoundError):
        data.resolve(s.replace(dataset="celeba"))
    s.celeba_dir.symlink_to(root, target_is_directory=True)  # any CelebA layout under data/celeba
    assert data.resolve(s.replace(dataset="auto")) == data.Source("celeba", celeba.find(s.celeba_dir).root)
