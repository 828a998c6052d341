"""vae_tutorial: the helper package behind the notebooks, from autoencoders to a conditional VAE on faces."""

__version__ = "0.1.0"
