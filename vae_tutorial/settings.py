"""One place for the tutorial's settings, shown at the top of every notebook.

Every field has a default that runs in minutes on a laptop CPU, and every field can be
overridden by an environment variable named ``VAE_TUTORIAL_<FIELD>`` (e.g.
``VAE_TUTORIAL_DATASET=celeba``, ``VAE_TUTORIAL_EPOCHS=30``) or by keyword in ``load()``.
Each field is declared once, with its help text; the environment parsing and the command line's
options (``python -m vae_tutorial train --help``) are derived from the declaration.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import typing
from dataclasses import dataclass, fields
from pathlib import Path

ENV_PREFIX = "VAE_TUTORIAL_"
DATASETS = ("auto", "synthetic", "celeba")
ARCHITECTURES = ("article", "deep")  # the seed article's network, and a deeper one for GPUs
DEFAULT_ATTRIBUTES = ("Smiling", "Eyeglasses", "Male", "Wearing_Hat", "Blond_Hair", "Black_Hair")
# Training's Keras dtype policies; auto: the device's best (devices.Devices.best_precision)
PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
# Named sets of settings: applied above the defaults, below environment variables and keywords.
PRESETS = {
    "none": {},
    # The 64-pixel deep CVAE on full CelebA, for a GPU. How long `train` takes with it on a GPU is not
    # measured yet (benchmarks/README.md, "The reader's own path on a GPU").
    "gpu": {"dataset": "celeba", "image_size": 64, "architecture": "deep", "batch_size": 1024, "epochs": 20},
}


def _default_data_dir() -> Path:
    """The checkout's ``data/`` folder, or ``./vae_tutorial_data`` when installed from a wheel (Colab)."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").exists() and (checkout / "data").is_dir():
        return checkout / "data"
    return Path.cwd() / "vae_tutorial_data"


def setting(default=dataclasses.MISSING, *, help: str, factory=dataclasses.MISSING, choices=None, option=False,
            metavar=None):
    """A settings field: its default, a help text, the allowed values (``choices``), and whether the
    command line offers it as an option (``option=True``: ``--image-size`` for ``image_size``)."""
    metadata = {"help": help, "choices": choices, "option": option, "metavar": metavar}
    return dataclasses.field(default=default, default_factory=factory, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """What every notebook and the command line agree on."""

    preset: str = setting("none", choices=tuple(PRESETS),
                          help="gpu = the 64-pixel deep CVAE on full CelebA (dataset, image_size, architecture, "
                               "batch_size, epochs), for a GPU")
    dataset: str = setting("auto", help="auto = CelebA when found under data_dir/celeba, else the synthetic faces; "
                                        "synthetic; celeba; or a folder: CelebA in any layout, or your own images")
    data_dir: Path = setting(factory=_default_data_dir, help="where data sets and trained runs live")
    synthetic_size: int = setting(5000, help="images in the generated synthetic data set")
    image_size: int = setting(32, option=True, metavar="S", help="side of the square faces, in pixels")
    batch_size: int = setting(64, option=True, metavar="B", help="faces per training step")
    latent_dim: int = setting(16, option=True, metavar="Z", help="numbers in the latent code")
    epochs: int = setting(20, option=True, metavar="N", help="passes over the training faces")
    architecture: str = setting("article", choices=ARCHITECTURES, option=True,
                                help="article (the seed article's network) or deep")
    beta: float = setting(4.0, option=True, metavar="X",
                          help="weight of the KL term; > 1 (a β-VAE) makes the decoder follow the conditions")
    attributes: tuple[str, ...] = setting(DEFAULT_ATTRIBUTES, option=True, metavar="A,B,...",
                                          help="the conditions of the CVAE: comma-separated attribute names")
    seed: int = setting(0, help="random seed of weights, shuffling and sampling")

    def __post_init__(self):
        if self.dataset not in DATASETS and not Path(self.dataset).expanduser().is_dir():
            raise ValueError(f"dataset={self.dataset!r} is neither one of {DATASETS} nor a folder; set "
                             f"{env_name('dataset')} to one of them, or to a folder of CelebA or of your own images.")
        for f in fields(self):
            value, choices = getattr(self, f.name), f.metadata["choices"]
            if choices and value not in choices:
                raise ValueError(f"{f.name}={value!r} is not one of {choices}; set {env_name(f.name)} to one of them.")
            if _types()[f.name] is int and f.name != "seed" and value < 1:
                raise ValueError(f"{f.name}={value} must be a positive integer.")

    @property
    def celeba_dir(self) -> Path:
        """Where CelebA is looked for (any of its usual layouts, see data/README.md)."""
        return self.data_dir / "celeba"

    @property
    def synthetic_dir(self) -> Path:
        """Where the synthetic faces of these settings are drawn (their size and seed in the name)."""
        return self.data_dir / f"synthetic_{self.synthetic_size}_seed{self.seed}"

    def run_dir(self, dataset_name: str) -> Path:
        """Folder of the trained CVAE for these settings; notebook 03 writes it, 04 and 05 read it."""
        return self.data_dir / "runs" / (f"cvae_{dataset_name}_{self.architecture}_{self.image_size}px"
                                         f"_z{self.latent_dim}_beta{self.beta:g}")

    def stand_ins(self, *wanted: str) -> dict[str, str]:
        """Each wanted attribute mapped to itself when these settings condition on it, else to one of
        their own attributes (in turn); says so once. Notebooks show off CelebA's attributes this way
        on data sets that lack them (your own images)."""
        chosen = {name: name if name in self.attributes else self.attributes[k % len(self.attributes)]
                  for k, name in enumerate(wanted)}
        lent = [f"{chosen[name]} for {name}" for name in wanted if chosen[name] != name]
        if lent:
            print(f"Not among this data's attributes, so stand-ins are shown: {', '.join(lent)}.")
        return chosen

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)

    def table(self) -> str:
        """The settings as aligned text, with a hint on how to change them."""
        rows = [(f.name, _show(Path(self.dataset) if f.name == "dataset" and self.dataset not in DATASETS
                               else getattr(self, f.name))) for f in fields(self)]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {value}" for name, value in rows]
        lines.append(f"(change any of these in the notebook with settings.load(epochs=5, ...), or with an environment "
                     f"variable set before Jupyter starts, e.g. {ENV_PREFIX}EPOCHS=5)")
        return "\n".join(lines)


def env_name(field_name: str) -> str:
    return ENV_PREFIX + field_name.upper()


@functools.cache
def _types() -> dict[str, type]:
    """Each field's type, resolved from its annotation (``int``, ``float``, ``str``, ``Path``, ``tuple``)."""
    return {name: typing.get_origin(kind) or kind for name, kind in typing.get_type_hints(Settings).items()}


def parse(name: str, text: str):
    """The value of setting ``name`` written as text (an environment variable or a command-line option)."""
    kind = _types()[name]
    if kind is tuple:
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if kind is Path:
        return Path(text).expanduser()
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a valid {kind.__name__}.") from None


def _own_images(dataset: str) -> bool:
    """Whether ``dataset`` names a folder of your own images (not CelebA's layout)."""
    if dataset in DATASETS or not Path(dataset).expanduser().is_dir():
        return False
    from . import celeba, folder

    return not celeba.is_present(dataset) and folder.is_present(dataset)


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


def load(**overrides) -> Settings:
    """Defaults, then the preset's values (``preset="gpu"``), then ``VAE_TUTORIAL_*`` environment
    variables, then keyword overrides."""
    values = {}
    for f in fields(Settings):
        env = os.environ.get(env_name(f.name))
        if env:
            try:
                values[f.name] = parse(f.name, env)
            except ValueError:
                raise ValueError(f"{env_name(f.name)}={env!r} is not a valid {_types()[f.name].__name__}: "
                                 f"{f.metadata['help']}.") from None
    unknown = set(overrides) - {f.name for f in fields(Settings)}
    if unknown:
        raise TypeError(f"unknown setting(s) {sorted(unknown)}; valid: {[f.name for f in fields(Settings)]}")
    values.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()})
    preset = values.get("preset", "none")
    if preset in PRESETS:  # an unknown one is refused by Settings
        values = {**PRESETS[preset], **values}
    if "attributes" not in values and _own_images(values.get("dataset", "auto")):
        from . import folder

        values["attributes"] = folder.attributes(values["dataset"])  # your own images: all their attributes
    if "data_dir" in values:
        values["data_dir"] = Path(values["data_dir"])
    return Settings(**values)
