"""Larger faces: the deep CVAE at 128×128 pixels, end to end (cache, training, evaluation)."""

import pytest

from vae_tutorial import evaluate, models, pipeline, settings, synthetic, training


@pytest.mark.parametrize("size", [128])
def test_the_deep_cvae_works_at_128_pixels(tmp_path, size):
    root = synthetic.generate(tmp_path / "faces", n=40, seed=3, progress=False)
    images, _ = pipeline.load_arrays(root, "all", size, cache=True)
    assert images.shape == (40, size, size, 3)
    S = settings.load(image_size=size, architecture="deep", batch_size=8, latent_dim=8, epochs=1,
                      attributes=("Smiling", "Eyeglasses"), dataset=str(root))
    model = training.train(S, root, tmp_path / "run", progress="none")
    assert models.image_size(model) == size
    result = evaluate.evaluate(model, root, tmp_path / "run", n=4, cache=True)
    assert 0 < result["reconstruction_mse"] < 1
