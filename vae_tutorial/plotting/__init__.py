"""Pictures of what any stage returns, one module per kind: ``faces`` (face grids, edits, a face and its
code), ``charts`` (bars, heat maps, curves), ``latent`` (two-number latent planes), ``diagram`` (the
network as boxes) and ``pictures`` (figures as small JPEGs, files for the README). Each public name is
also importable from here, as ``plotting.<name>``."""

from .charts import (
    attribute_correlations,
    attribute_frequencies,
    change_maps,
    kl_by_dimension,
    speed_bars,
    training_curves,
)
from .diagram import network_diagram
from .faces import latent_bars, reconstruction_story, show_crop, show_edits, show_faces, tags, to_uint8
from .latent import PRIOR_RINGS, latent_planes, latent_walk, random_codes
from .pictures import as_jpeg, save_for_readme, saved_picture

__all__ = [
    "PRIOR_RINGS", "as_jpeg", "attribute_correlations", "attribute_frequencies", "change_maps", "kl_by_dimension",
    "latent_bars", "latent_planes", "latent_walk", "network_diagram", "random_codes", "reconstruction_story",
    "save_for_readme", "saved_picture", "show_crop", "show_edits", "show_faces", "speed_bars", "tags", "to_uint8",
    "training_curves",
]
