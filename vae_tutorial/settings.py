"""One place for the tutorial's settings, shown at the top of every notebook.

Every field has a default that runs in minutes on a laptop CPU, and every field can be
overridden by an environment variable named ``VAE_TUTORIAL_<FIELD>`` (e.g.
``VAE_TUTORIAL_DATASET=celeba``, ``VAE_TUTORIAL_EPOCHS=30``) or by keyword in ``load()``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "VAE_TUTORIAL_"
DATASETS = ("auto", "synthetic", "celeba")
ARCHITECTURES = ("seed", "deep")
DEFAULT_ATTRIBUTES = ("Smiling", "Eyeglasses", "Male", "Wearing_Hat", "Blond_Hair", "Black_Hair")


def _default_data_dir() -> Path:
    """The checkout's ``data/`` folder, or ``./vae_tutorial_data`` when installed from a wheel (Colab)."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").exists() and (checkout / "data").is_dir():
        return checkout / "data"
    return Path.cwd() / "vae_tutorial_data"


@dataclass(frozen=True)
class Settings:
    """What every notebook and the command line agree on."""

    dataset: str = "auto"  # auto = CelebA when found under data_dir/celeba, else the synthetic faces
    data_dir: Path = field(default_factory=_default_data_dir)
    synthetic_size: int = 5000  # images in the generated synthetic data set
    image_size: int = 32  # side of the square, centre-cropped face the models see
    batch_size: int = 64
    latent_dim: int = 16
    epochs: int = 20
    architecture: str = "seed"
    beta: float = 4.0  # > 1 (a β-VAE): the code keeps less, so the decoder must follow the conditions
    attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES  # the conditions of the CVAE
    seed: int = 0

    def __post_init__(self):
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset={self.dataset!r} is not one of {DATASETS}; set VAE_TUTORIAL_DATASET to one of them.")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(
                f"architecture={self.architecture!r} is not one of {ARCHITECTURES}; set VAE_TUTORIAL_ARCHITECTURE to one of them."
            )
        for name in ("synthetic_size", "image_size", "batch_size", "latent_dim", "epochs"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be a positive integer.")

    @property
    def celeba_dir(self) -> Path:
        """Where CelebA is looked for (any of its usual layouts, see data/README.md)."""
        return self.data_dir / "celeba"

    @property
    def synthetic_dir(self) -> Path:
        return self.data_dir / f"synthetic_{self.synthetic_size}"

    def run_dir(self, dataset_name: str) -> Path:
        """Folder of the trained CVAE for these settings; notebook 03 writes it, 04 and 05 read it."""
        return self.data_dir / "runs" / f"cvae_{dataset_name}_{self.architecture}_{self.image_size}px_z{self.latent_dim}"

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)

    def table(self) -> str:
        """The settings as aligned text, with a hint on how to change them."""
        rows = [(f.name, _show(getattr(self, f.name))) for f in fields(self)]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {value}" for name, value in rows]
        lines.append(f"(override any of these with an environment variable, e.g. {ENV_PREFIX}EPOCHS=5)")
        return "\n".join(lines)


def _show(value) -> str:
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, Path):
        return short_path(value)
    return str(value)


def short_path(path: Path) -> str:
    """A path as a reader would write it: relative to the working folder or home when possible."""
    for base, prefix in ((Path.cwd(), "."), (Path.home(), "~")):
        try:
            return str(Path(prefix) / path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _parse(f: dataclasses.Field, text: str):
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "Path":
            return Path(text).expanduser()
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{f.name.upper()}={text!r} is not a valid {kind}.") from None
    return text


def load(**overrides) -> Settings:
    """Defaults, then ``VAE_TUTORIAL_*`` environment variables, then keyword overrides."""
    values = {}
    for f in fields(Settings):
        env = os.environ.get(ENV_PREFIX + f.name.upper())
        if env is not None and env != "":
            values[f.name] = _parse(f, env)
    unknown = set(overrides) - {f.name for f in fields(Settings)}
    if unknown:
        raise TypeError(f"unknown setting(s) {sorted(unknown)}; valid: {[f.name for f in fields(Settings)]}")
    values.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()})
    if "data_dir" in values:
        values["data_dir"] = Path(values["data_dir"])
    return Settings(**values)
