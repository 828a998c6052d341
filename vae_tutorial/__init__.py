"""vae_tutorial: the helper package behind the notebooks, from autoencoders to a conditional VAE on faces.

Keras is imported here, once, with TensorFlow's native start-up notes hidden (``quiet_start``), so
every module can simply ``import keras``.
"""

from .quiet_start import keras_quietly

keras_quietly()

__version__ = "0.1.0"
