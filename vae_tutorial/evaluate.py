"""Does "Smiling = 1" really make a smile? Numbers for a trained conditional VAE.

* **The judge** — a small CNN that tells, from a face alone, which of the CVAE's conditioned
  attributes it shows. It learns from the data set's *real* training faces (never generated ones),
  is cached in the run folder (``judge.keras``) and reports its accuracy on held-out test faces.
* **Attribute control** — for each attribute, faces are decoded from random ``z`` with that
  attribute set to 1, then to 0; the other conditions are copied from real faces that have that
  value (so no impossible mix, such as blond *and* black hair, is asked for). The score is the
  fraction of faces the judge reads as intended, averaged over the two settings.
* **Reconstruction error** — mean squared error per pixel (images in [0, 1]) of held-out faces
  encoded to their mean latent vector and decoded again.

``evaluate`` computes all three and writes ``RUN_DIR/evaluation.json``; ``python -m vae_tutorial
evaluate --data DIR --run RUN_DIR`` does the same from a terminal and prints ``table``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import data, models, pipeline, runs
from .quiet_start import keras
from .settings import short_path

HELD_OUT = 2000  # at most this many test faces are scored


# ---------------------------------------------------------------------------------------------
# The judge: an attribute classifier trained on real faces


def build_judge(image_size: int, n_attributes: int, seed: int = 0) -> keras.Model:
    """One convolution at full resolution (a smile is a few pixels), strided ones down to 4×4, then
    one sigmoid output per attribute. ``seed``: seeds Keras first, for reproducible weights and dropout."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((image_size, image_size, 3), name="images")
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    width, side = 32, image_size
    while side > 4:
        x = keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(x)
        width, side = min(2 * width, 128), (side + 1) // 2
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(n_attributes, activation="sigmoid", name="attributes")(x)
    return keras.Model(inputs, outputs, name="judge")


def judged(judge: keras.Model, images) -> np.ndarray:
    """The judge's 0/1 verdict on each face, one column per attribute (bool, shape (N, A))."""
    return models.predict_in_batches(judge, images) >= 0.5


def accuracy(judge: keras.Model, images, conditions, attributes) -> dict[str, float]:
    """Per attribute: the fraction of faces whose 0/1 label the judge gets right."""
    correct = judged(judge, images) == (np.asarray(conditions) >= 0.5)
    return {name: float(correct[:, i].mean()) for i, name in enumerate(attributes)}


def train_judge(root, attributes, image_size: int, epochs: int = 12, limit: int | None = 20000, seed: int = 0,
                verbose: int = 0, cache: bool = False) -> tuple[keras.Model, dict[str, float]]:
    """A fresh judge fitted on the first ``limit`` real training faces; returns it with its
    per-attribute accuracy on held-out test faces. ``cache``: read the faces from the uint8 cache."""
    attributes = list(attributes)
    images, conditions = pipeline.load_arrays(root, "train", image_size, attributes, limit=limit, cache=cache)
    judge = build_judge(image_size, len(attributes), seed)
    judge.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):  # a new order each epoch, drawn here: the same for the same seed
        order = rng.permutation(len(images))
        judge.fit(images[order], conditions[order], batch_size=64, initial_epoch=epoch, epochs=epoch + 1,
                  shuffle=False, verbose=verbose)
    test_images, test_conditions = pipeline.load_arrays(root, "test", image_size, attributes, limit=HELD_OUT,
                                                        cache=cache)
    return judge, accuracy(judge, test_images, test_conditions, attributes)


def load_or_train_judge(run_dir, root, attributes, image_size: int, **train_options):
    """The judge cached in ``run_dir`` for these attributes and image size (trained first if there
    is none), with its held-out accuracy per attribute."""
    run_dir = Path(run_dir)
    info_path, judge_path = run_dir / runs.JUDGE_INFO_FILE, run_dir / runs.JUDGE_FILE
    wanted = {"attributes": list(attributes), "image_size": image_size}
    if info_path.exists() and judge_path.exists():
        info = json.loads(info_path.read_text())
        if {k: info.get(k) for k in wanted} == wanted:
            return keras.saving.load_model(judge_path, safe_mode=True), info["accuracy"]
    print(f"Training the judge (an attribute classifier) on the real training faces; it is kept in "
          f"{short_path(judge_path)}.")
    judge, held_out = train_judge(root, attributes, image_size, **train_options)
    run_dir.mkdir(parents=True, exist_ok=True)
    judge.save(judge_path)
    info_path.write_text(json.dumps({**wanted, "accuracy": held_out}, indent=2) + "\n")
    return judge, held_out


# ---------------------------------------------------------------------------------------------
# The three numbers


def attribute_control(model, judge, pool, attributes, n: int = 200, seed: int = 0) -> dict[str, dict[str, float]]:
    """For each attribute and each value v in (1, 0): decode ``n`` faces from random ``z`` with the
    attribute set to v, the other conditions copied from rows of ``pool`` (real conditions) that
    have v; return the fraction the judge reads as v, as ``{attribute: {"1": …, "0": …}}``."""
    pool = np.asarray(pool, dtype="float32")
    rng = np.random.default_rng(seed)
    latent_dim = model.decoder.inputs[0].shape[-1]
    result = {}
    for i, name in enumerate(attributes):
        result[name] = {}
        for value in (1, 0):
            rows = np.flatnonzero(pool[:, i] == value)
            conditions = pool[rng.choice(rows if len(rows) else len(pool), n)].copy()
            conditions[:, i] = value
            z = rng.standard_normal((n, latent_dim)).astype("float32")
            verdict = judged(judge, models.decode(model, z, conditions))[:, i]
            result[name][str(value)] = float(np.mean(verdict == bool(value)))
    return result


def reconstruction_mse(model, images, conditions) -> float:
    """Mean squared error per pixel between faces and their reconstructions from ``z_mean``."""
    reconstructions = models.decode(model, models.encode(model, images, conditions), conditions)
    return float(np.mean(np.square(reconstructions - np.asarray(images))))


def evaluate(model, root, run_dir, attributes=None, n: int = 200, seed: int = 0, cache: bool = False,
             judge_dir=None) -> dict:
    """Judge accuracy, attribute control and held-out reconstruction error of a run's CVAE,
    written to ``run_dir/evaluation.json`` and returned. ``attributes``: the model's conditions
    (read from the run's ``settings.json`` when not given). ``cache``: read faces from the uint8 cache.
    ``judge_dir``: the run folder whose judge scores it (default ``run_dir``), so two runs share one judge."""
    attributes = list(attributes or runs.run_attributes(run_dir))
    n_conditions = model.decoder.inputs[1].shape[-1]
    if len(attributes) != n_conditions:
        raise ValueError(f"attributes={attributes} are {len(attributes)} but the model takes {n_conditions} "
                         f"conditions; pass the attributes it was trained with.")
    size = models.image_size(model)
    judge, judge_accuracy = load_or_train_judge(judge_dir or run_dir, root, attributes, size, cache=cache)
    pool = data.index(root, "train", attributes).conditions
    by_value = attribute_control(model, judge, pool, attributes, n, seed)
    images, conditions = pipeline.load_arrays(root, "test", size, attributes, limit=HELD_OUT, cache=cache)
    result = {
        "attributes": attributes,
        "judge_accuracy": judge_accuracy,
        "control": {name: (v["1"] + v["0"]) / 2 for name, v in by_value.items()},
        "control_by_value": by_value,
        "reconstruction_mse": reconstruction_mse(model, images, conditions),
        "samples_per_setting": n,
        "held_out_faces": len(images),
    }
    (Path(run_dir) / runs.RESULT_FILE).write_text(json.dumps(result, indent=2) + "\n")
    return result


def table(result: dict, markdown: bool = False) -> str:
    """The evaluation as an aligned text table (or a Markdown one), one row per attribute."""
    frame = pd.DataFrame({
        "judge accuracy": result["judge_accuracy"],
        "control": result["control"],
        "set to 1 → judged 1": {name: v["1"] for name, v in result["control_by_value"].items()},
        "set to 0 → judged 0": {name: v["0"] for name, v in result["control_by_value"].items()},
    }).loc[result["attributes"]]
    frame.index = frame.index.str.replace("_", " ").rename("attribute")
    footer = (f"Reconstruction error of {result['held_out_faces']:,} held-out faces: "
              f"{result['reconstruction_mse']:.4f} (mean squared error per pixel, images in [0, 1])")
    text = frame.to_markdown(floatfmt=".3f") if markdown else frame.to_string(float_format="{:.3f}".format)
    return text + ("\n\n" if markdown else "\n") + footer
