"""Remake tests/colab/constraints-*.txt from Colab's published package list.

    .venv/bin/python tests/colab/refresh.py path/to/pip-freeze.txt

``pip-freeze.txt`` is Colab's own list (repository googlecolab/backend-info, file pip-freeze.txt). The
constraints keep only the lines of the packages that the tutorial and its Colab tests need, with
everything those need in turn: pip resolves them against the whole list with Colab's Python and pip.
The 2026.07 file is the same list with the versions Colab's README gives for that runtime (Python 3.12,
numpy 2.0.2); Colab publishes no full list for it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import pyenvs  # noqa: E402

HERE = Path(__file__).resolve().parent
CURRENT = HERE / "constraints-current.txt"
RUNTIME_2026_07 = HERE / "constraints-2026.07.txt"
PYTHON = "3.13"  # pyenv's newest, as near to Colab's as the machine has
CHANGES_2026_07 = {"numpy": "2.0.2"}  # beside Python 3.12; TensorFlow, JAX and Keras as now
# Besides the package's own dependencies, what the tests run on Colab's versions use.
TEST_NEEDS = ["notebook", "ipykernel", "ipython", "pytest", "jax", "jaxlib", "setuptools", "wheel"]


def main(freeze: Path) -> None:
    lines = [line.strip() for line in freeze.read_text().splitlines() if line.strip() and " @ " not in line]
    project = tomllib.loads((pyenvs.REPO / "pyproject.toml").read_text())["project"]
    python = pyenvs.pyenv_python(PYTHON)
    with tempfile.TemporaryDirectory() as tmp:
        listed = Path(tmp) / "freeze.txt"
        listed.write_text("\n".join(lines) + "\n")
        pip = pyenvs.build("colab-pip", python, [["install", f"pip=={pyenvs.pins(listed)['pip']}"]])
        wanted = pyenvs.dry_run(pyenvs.python_of(pip), ["--ignore-installed", "-c", str(listed),
                                                        *project["dependencies"], *TEST_NEEDS])
    names = set(wanted) | {"pip"}
    kept = [line for line in lines if pyenvs.normalise(line.split("==")[0]) in names]
    source = (f"# Google Colab's current runtime (Python 3.13), lines kept from {freeze.name} of the repository\n"
              "# googlecolab/backend-info (commit of 2026-08-19, \"Upgrade to Python 3.13\"): the packages the\n"
              "# tutorial and its Colab tests need, with their own dependencies (pip resolved them against the\n"
              "# whole list). Made by tests/colab/refresh.py; do not edit by hand.\n")
    CURRENT.write_text(source + "\n".join(kept) + "\n")
    older = [f"{line.split('==')[0]}=={CHANGES_2026_07[pyenvs.normalise(line.split('==')[0])]}"
             if pyenvs.normalise(line.split("==")[0]) in CHANGES_2026_07 else line for line in kept]
    RUNTIME_2026_07.write_text(
        "# Google Colab's pinned runtime 2026.07 (Python 3.12.13), as far as Colab publishes it: its README\n"
        "# gives numpy 2.0.2, TensorFlow 2.20.0, JAX 0.7.2; every other line is the current runtime's\n"
        "# (constraints-current.txt). Made by tests/colab/refresh.py; do not edit by hand.\n"
        + "\n".join(older) + "\n"
    )
    print(f"{CURRENT.name}: {len(kept)} packages; {RUNTIME_2026_07.name}: {', '.join(CHANGES_2026_07)} changed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
