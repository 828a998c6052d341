"""Keras, started without TensorFlow's native start-up messages: every module takes it from here
(``from .quiet_start import keras``), so importing the package itself stays light (``--help`` is instant).

TensorFlow's C++ code writes its start-up notes (oneDNN, CUDA probing: "Could not find cuda
drivers", "failed call to cuInit") straight to the process's stderr, where Python cannot filter them
and ``TF_CPP_MIN_LOG_LEVEL`` no longer reaches (TensorFlow 2.21).
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Send what native code writes to file descriptor 2 to /dev/null while the block runs."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def keras_quietly():
    """The ``keras`` module, imported (and its TensorFlow backend started) without native noise."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with native_stderr_silenced():
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_physical_devices("GPU")  # the CUDA probe, which logs, happens now
    return keras


keras = keras_quietly()
