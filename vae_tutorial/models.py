"""An autoencoder, a VAE and a conditional VAE (CVAE) for faces, in pure Keras 3.

It imports ``keras`` only, never ``tensorflow``, so the models run on the TensorFlow, JAX and PyTorch
backends. All three share ``build_encoder`` (images, and conditions for the CVAE → a code ``z``; for the VAE
and CVAE also the mean and log-variance ``z`` is drawn from) and ``build_decoder`` (``z``, and conditions →
images in [0, 1]). ``NETWORKS`` holds an encoder body and a decoder body per architecture: ``"article"``, the
seed article's (two convolutions with pooling), and ``"deep"`` (strided convolutions, batch normalisation).
"""

from __future__ import annotations

import numpy as np

from .quiet_start import keras

layers, ops = keras.layers, keras.ops

ARTICLE_FILTERS = (32, 64)  # the article's two convolution layers, each followed by 2×2 pooling
DEEP_MAX_BLOCKS = 4  # strided blocks of 32, 64, 128, 256 filters, down to a 4×4 map at most
BN_MOMENTUM = 0.9  # batch-norm statistics that settle within a short run
_PACKAGE = "vae_tutorial"
_IMAGES = dict(activation="sigmoid", dtype="float32", name="images")  # the decoder's last layer: pixels in [0, 1]


# ---------------------------------------------------------------------------------------------
# The two ideas of a VAE: the sampling trick and the loss


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Sampling(layers.Layer):
    """The reparameterisation trick: ``z = z_mean + exp(z_log_var / 2) · ε`` with ``ε ~ N(0, 1)``.

    The randomness sits in ``ε``, outside the network, so gradients flow through ``z_mean`` and
    ``z_log_var``. It samples while training; at inference (``training=False``, e.g. ``predict``) it
    returns ``z_mean``, so encoding a face is deterministic.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        z_mean, z_log_var = inputs
        if not training:
            return z_mean
        epsilon = keras.random.normal(ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def reconstruction_per_image(images, reconstructions):
    """Binary cross-entropy summed over the pixels of each image: one number per image."""
    per_pixel = keras.losses.binary_crossentropy(images[..., None], reconstructions[..., None])
    return ops.sum(per_pixel, axis=(1, 2, 3))


def kl_per_image(z_mean, z_log_var):
    """KL(N(z_mean, exp(z_log_var)) ‖ N(0, 1)) summed over the latent dimensions: one number per image."""
    per_dim = -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
    return ops.sum(per_dim, axis=-1)


def reconstruction_loss(images, reconstructions):
    """The reconstruction term averaged over the batch."""
    return ops.mean(reconstruction_per_image(images, reconstructions))


def kl_divergence(z_mean, z_log_var):
    """The KL term averaged over the batch."""
    return ops.mean(kl_per_image(z_mean, z_log_var))


class MeanOverImages(keras.losses.Loss):
    """The mean of per-image loss values (passed as ``y_pred``) over the batch. Being a Keras loss
    with Keras' reduction, under ``tf.distribute`` each replica returns its share of the global
    batch's mean, as Keras' own losses do; elsewhere it is a plain mean."""

    def call(self, y_true, y_pred):
        return y_pred


# ---------------------------------------------------------------------------------------------
# The architectures: one encoder body and one decoder body each


def article_encoder(x, image_size: int):
    """The article's encoder: two 3×3 convolutions, each followed by 2×2 max pooling."""
    for filters in ARTICLE_FILTERS:
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    return x


def article_decoder(x, image_size: int):
    """The article's encoder mirrored: a dense layer to the smallest map, then each transposed
    convolution (stride 2) undoes one pooling."""
    side, channels = image_size // 2 ** len(ARTICLE_FILTERS), ARTICLE_FILTERS[-1]
    x = layers.Dense(side * side * channels, activation="relu")(x)
    x = layers.Reshape((side, side, channels))(x)
    for filters in reversed(ARTICLE_FILTERS[:-1]):
        x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(x)
    return layers.Conv2DTranspose(3, 3, strides=2, padding="same", **_IMAGES)(x)


def _deep_filters(image_size: int) -> tuple[int, ...]:
    """Filters of the deep network's strided blocks: one per halving, while the map stays ≥ 4×4."""
    blocks, side = 0, image_size
    while blocks < DEEP_MAX_BLOCKS and side % 2 == 0 and side // 2 >= 4:
        blocks, side = blocks + 1, side // 2
    return tuple(32 * 2**i for i in range(blocks))


def deep_encoder(x, image_size: int):
    """Strided 4×4 convolutions with batch normalisation and leaky ReLU, down to a 4×4 map at most."""
    for filters in _deep_filters(image_size):
        x = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = layers.LeakyReLU(0.2)(x)
    return x


def deep_decoder(x, image_size: int):
    """The deep encoder mirrored with transposed convolutions, then a 3×3 convolution to the pixels."""
    filters = _deep_filters(image_size)
    side = image_size // 2 ** len(filters)
    x = layers.Dense(side * side * filters[-1], use_bias=False)(x)
    x = layers.Reshape((side, side, filters[-1]))(x)
    for width in reversed(filters):
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    x = layers.LeakyReLU(0.2)(x)
    return layers.Conv2D(3, 3, padding="same", **_IMAGES)(x)


# name → (encoder body: images → feature map, decoder body: code → images); a new architecture is one entry
NETWORKS = {"article": (article_encoder, article_decoder), "deep": (deep_encoder, deep_decoder)}


# ---------------------------------------------------------------------------------------------
# Encoder and decoder, shared by the autoencoder, the VAE and the CVAE


def _check(image_size: int, latent_dim: int, architecture: str) -> None:
    if architecture not in NETWORKS:
        raise ValueError(f"architecture={architecture!r} is not one of {tuple(NETWORKS)}.")
    if latent_dim < 1:
        raise ValueError(f"latent_dim={latent_dim} must be a positive integer.")
    if image_size < 8 or image_size % 4:
        raise ValueError(f"image_size={image_size} must be a multiple of 4 and at least 8 (e.g. 32 or 64).")


def _inputs(shape, name, n_conditions):
    """The main input, plus a ``conditions`` input when the model is conditional."""
    main = keras.Input(shape, name=name)
    if not n_conditions:
        return main, main, None
    conditions = keras.Input((n_conditions,), name="conditions")
    return [main, conditions], main, conditions


def build_encoder(image_size: int = 64, latent_dim: int = 16, n_conditions: int = 0, architecture: str = "article",
                  variational: bool = True, name: str = "encoder") -> keras.Model:
    """Images (and conditions when ``n_conditions`` > 0) → ``[z_mean, z_log_var, z]``, or just
    ``z`` when ``variational=False`` (a plain autoencoder)."""
    _check(image_size, latent_dim, architecture)
    inputs, x, conditions = _inputs((image_size, image_size, 3), "images", n_conditions)
    x = layers.Flatten()(NETWORKS[architecture][0](x, image_size))
    if conditions is not None:
        x = layers.Concatenate()([x, conditions])
    if not variational:
        return keras.Model(inputs, layers.Dense(latent_dim, name="z", dtype="float32")(x), name=name)
    z_mean = layers.Dense(latent_dim, name="z_mean", dtype="float32")(x)
    # Starting from log-variance 0 (σ = 1) keeps the first steps' KL term small and training stable.
    z_log_var = layers.Dense(latent_dim, kernel_initializer="zeros", name="z_log_var", dtype="float32")(x)
    z = Sampling(name="z", dtype="float32")([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name=name)


def build_decoder(image_size: int = 64, latent_dim: int = 16, n_conditions: int = 0, architecture: str = "article",
                  name: str = "decoder") -> keras.Model:
    """``z`` (and conditions when ``n_conditions`` > 0) → images in [0, 1]."""
    _check(image_size, latent_dim, architecture)
    inputs, x, conditions = _inputs((latent_dim,), "z", n_conditions)
    if conditions is not None:
        x = layers.Concatenate()([x, conditions])
    return keras.Model(inputs, NETWORKS[architecture][1](x, image_size), name=name)


# ---------------------------------------------------------------------------------------------
# The models


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Autoencoder(keras.Model):
    """``encoder`` → code → ``decoder``, trained to reproduce its input (reconstruction loss only).

    Called on images (or ``[images, conditions]`` when the encoder takes conditions) it returns a
    dict with ``z`` and ``reconstruction``. Metrics: ``loss``, ``reconstruction`` (the loss term)
    and ``mse`` (mean squared error per pixel, images in [0, 1]).
    """

    def __init__(self, encoder: keras.Model, decoder: keras.Model, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.mse_tracker = keras.metrics.Mean(name="mse")
        self._mean_over_images = MeanOverImages()
        self.built = True  # the encoder and decoder are built when they are made

    @property
    def conditional(self) -> bool:
        """Whether encoder and decoder take attribute conditions as a second input."""
        return len(self.encoder.inputs) == 2

    def encode(self, inputs, training=False) -> dict:
        return {"z": self.encoder(inputs, training=training)}

    def call(self, inputs, training=False):
        codes = self.encode(inputs, training=training)
        decoder_inputs = [codes["z"], ops.convert_to_tensor(inputs[1])] if self.conditional else codes["z"]
        return {**codes, "reconstruction": self.decoder(decoder_inputs, training=training)}

    def loss_terms(self, images, outputs) -> dict:
        """The named terms of the loss, one value per image; their sum is what training minimises."""
        return {"reconstruction": reconstruction_per_image(images, outputs["reconstruction"])}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        images = x[0] if self.conditional else x
        terms = self.loss_terms(images, y_pred)
        batch = ops.shape(images)[0]  # weights like Keras' own loss tracker, so loss = reconstruction + β·kl
        for name, value in terms.items():
            getattr(self, f"{name}_tracker").update_state(ops.mean(value), sample_weight=batch)
        self.mse_tracker.update_state(ops.mean(ops.square(images - y_pred["reconstruction"])), sample_weight=batch)
        return self._mean_over_images(images, self._total(terms))

    def _total(self, terms):
        return terms["reconstruction"]

    def get_config(self):
        return {"name": self.name, "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder)}

    @classmethod
    def from_config(cls, config):
        parts = {part: keras.saving.deserialize_keras_object(config[part]) for part in ("encoder", "decoder")}
        return cls(**{**config, **parts})


@keras.saving.register_keras_serializable(package=_PACKAGE)
class VAE(Autoencoder):
    """A variational autoencoder: the encoder gives a distribution ``N(z_mean, exp(z_log_var))``,
    ``z`` is sampled from it, and the loss is ``reconstruction + beta · KL``.

    With an encoder and decoder that take conditions it is the conditional VAE (CVAE). Called on
    its inputs it returns a dict with ``z_mean``, ``z_log_var``, ``z`` and ``reconstruction``.
    Metrics: ``loss``, ``reconstruction``, ``kl`` and ``mse``.
    """

    def __init__(self, encoder: keras.Model, decoder: keras.Model, beta: float = 1.0, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.beta = float(beta)
        self.kl_tracker = keras.metrics.Mean(name="kl")

    def encode(self, inputs, training=False) -> dict:
        return dict(zip(("z_mean", "z_log_var", "z"), self.encoder(inputs, training=training)))

    def loss_terms(self, images, outputs) -> dict:
        return {**super().loss_terms(images, outputs), "kl": kl_per_image(outputs["z_mean"], outputs["z_log_var"])}

    def _total(self, terms):
        return terms["reconstruction"] + self.beta * terms["kl"]

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


def _build(model_class, n_conditions: int, image_size: int, latent_dim: int, architecture: str,
           seed: int | None, variational: bool = True, **kwargs):
    """A ``model_class`` around a new encoder and decoder. ``seed`` given: Keras' random state is seeded
    first (``keras.utils.set_random_seed``), so the weights and the sampling noise are reproducible."""
    if seed is not None:
        keras.utils.set_random_seed(seed)
    encoder = build_encoder(image_size, latent_dim, n_conditions, architecture, variational)
    return model_class(encoder, build_decoder(image_size, latent_dim, n_conditions, architecture), **kwargs)


def build_autoencoder(image_size: int = 64, latent_dim: int = 16, architecture: str = "article",
                      seed: int | None = None) -> Autoencoder:
    """A plain autoencoder: a deterministic code, reconstruction loss only."""
    return _build(Autoencoder, 0, image_size, latent_dim, architecture, seed, variational=False, name="autoencoder")


def build_vae(image_size: int = 64, latent_dim: int = 16, architecture: str = "article", beta: float = 1.0,
              seed: int | None = None) -> VAE:
    """A variational autoencoder without conditions."""
    return _build(VAE, 0, image_size, latent_dim, architecture, seed, beta=beta, name="vae")


def build_cvae(image_size: int = 64, latent_dim: int = 16, *, n_conditions: int, architecture: str = "article",
               beta: float = 1.0, seed: int | None = None) -> VAE:
    """A conditional VAE: encoder ``[images, conditions]`` → ``[z_mean, z_log_var, z]``, decoder
    ``[z, conditions]`` → images. ``n_conditions`` is the number of attributes (0/1 each)."""
    if n_conditions < 1:
        raise ValueError(f"n_conditions={n_conditions}: a conditional VAE needs at least one attribute.")
    return _build(VAE, n_conditions, image_size, latent_dim, architecture, seed, beta=beta, name="cvae")


# ---------------------------------------------------------------------------------------------
# Using a trained model


def encode(model: Autoencoder, images, conditions=None, batch_size: int = 256) -> np.ndarray:
    """The code of each face: ``z_mean`` for a VAE or CVAE (``z`` for a plain autoencoder), given
    its conditions when the model is conditional."""
    codes = predict_in_batches(model.encoder, images, conditions, batch_size)
    return codes[0] if isinstance(codes, list) else codes


def decode(model: Autoencoder, z, conditions=None, batch_size: int = 256) -> np.ndarray:
    """Faces (float in [0, 1]) drawn by the decoder from latent vectors (and conditions)."""
    return predict_in_batches(model.decoder, z, conditions, batch_size)


def predict_in_batches(part: keras.Model, main, conditions=None, batch_size: int = 256):
    """``part`` (an encoder, a decoder, any Keras model) called at inference on ``main`` (and
    ``conditions``, one row or one per row), ``batch_size`` rows at a time: a few milliseconds for
    one face, and nothing to trace or compile."""
    inputs = [np.asarray(main, "float32")]
    if conditions is not None:
        inputs.append(np.broadcast_to(np.asarray(conditions, "float32"), (len(inputs[0]), part.inputs[1].shape[-1])))
    outputs = []
    for start in range(0, len(inputs[0]), batch_size):
        rows = [x[start:start + batch_size] for x in inputs]
        out = part(rows if conditions is not None else rows[0], training=False)
        outputs.append([keras.ops.convert_to_numpy(o) for o in (out if isinstance(out, list | tuple) else [out])])
    joined = [np.concatenate(column) for column in zip(*outputs)]
    return joined if len(joined) > 1 else joined[0]


def image_size(model: Autoencoder) -> int:
    """The side of the square faces the model reads and draws."""
    return int(model.decoder.output.shape[1])
