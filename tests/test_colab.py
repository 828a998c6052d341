"""Colab as it is: the setup cell changes nothing Colab preinstalled, and the tutorial runs on Colab's versions.

Colab's front end cannot run here, but its packages can: ``tests/colab/constraints-current.txt`` holds
Colab's published versions (Python 3.13, TensorFlow 2.20, Keras 3.13, ipywidgets 7.7.1, IPython 7.34,
Notebook 6.5, no JupyterLab) of every package the tutorial touches. From it, with pyenv's Python 3.13 and
Colab's own pip, a virtual environment is built the way Colab's image is (each pinned package, nothing
resolved: Colab itself lacks some dependencies its packages declare) plus nbval to execute the notebooks.
It is cached (``tests/pyenvs.py``); the first build takes about two minutes.

- The setup cell's own ``%pip install`` line, read from the notebooks and pointed at this checkout instead
  of GitHub, is given to pip with ``--dry-run --report``: it must install the package alone.
- The package's requirements, resolved in full, must leave every package Colab has as it is.
- The widget and model tests and all five notebooks (nbval) pass in that environment.
- Colab's pinned runtime 2026.07 (Python 3.12, numpy 2.0.2; ``constraints-2026.07.txt``) is checked
  without an environment: pip resolves the package together with the pinned set, and the set it resolves
  to must be the pinned set plus the package, nothing else.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess

import pyenvs
import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from pyenvs import REPO

CURRENT = pyenvs.COLAB_CONSTRAINTS
RUNTIME_2026_07 = CURRENT.with_name("constraints-2026.07.txt")
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOK_TIMEOUT_S = 1500


def setup_install_args() -> list[str]:
    """The arguments of the notebooks' setup-cell ``%pip`` line, the package's GitHub URL replaced by this
    checkout (a ``file://`` URL). Every notebook must have the same line."""
    lines = set()
    for notebook in NOTEBOOKS:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        setup = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
        lines |= {line.strip() for line in setup.splitlines() if line.strip().startswith("%pip ")}
    assert len(lines) == 1, f"the notebooks' setup cells should share one %pip line, not {sorted(lines)}"
    args = shlex.split(lines.pop())[1:]
    pointed = [re.sub(r"^(vae_tutorial\s*@\s*)git\+\S+$", rf"\g<1>{REPO.as_uri()}", a) for a in args]
    assert pointed != args, f"the setup cell's %pip line installs no `vae_tutorial @ git+…`: {args}"
    return pointed


@pytest.fixture(scope="module")
def colab():
    return pyenvs.colab()


def _describe(report, have: dict[str, str]) -> str:
    return ", ".join(f"{n} {have[n]} -> {v}" if n in have else f"{n} {v} (new)" for n, v in report)


def test_setup_cell_installs_the_package_alone_on_colab(colab):
    args = setup_install_args()
    assert args[0] == "install"
    report = pyenvs.dry_run(colab, args[1:])
    assert [name for name, _ in report] == ["vae-tutorial"], (
        f"on Colab, `%pip {shlex.join(args)}` would install or upgrade: {_describe(report, pyenvs.installed(colab))}"
    )


def test_package_requirements_change_nothing_colab_has(colab):
    """Resolved in full (as `pip install` without options would), nothing Colab has is upgraded or
    reinstalled, and each requirement of the package is met by Colab's own version."""
    have = pyenvs.installed(colab)
    done = pyenvs.run([colab, "-m", "pip", "install", "--dry-run", "-q", "--report", "-",
                       "--disable-pip-version-check", f"vae_tutorial @ {REPO.as_uri()}"])  # fmt: skip
    report = json.loads(done.stdout)["install"]
    changed = [(pyenvs.normalise(i["metadata"]["name"]), i["metadata"]["version"]) for i in report]
    changed = [(n, v) for n, v in changed if n in have]
    assert not changed, f"installing the package would change Colab's {_describe(changed, have)}"
    package = next(i for i in report if i["metadata"]["name"] == "vae_tutorial")
    for line in package["metadata"].get("requires_dist", []):
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra
        name = pyenvs.normalise(requirement.name)
        assert name in have, f"Colab lacks {requirement}: the setup cell would have to install it"
        assert Version(have[name]) in requirement.specifier, f"Colab's {name} {have[name]} does not meet {requirement}"


def test_tutorial_passes_its_widget_model_and_notebook_tests_on_colab_versions(colab):
    """The widget and model tests and every notebook (nbval), run by Colab's Python and packages."""
    cmd = [colab, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
           "tests/test_widgets.py", "tests/test_models.py", *[str(p.relative_to(REPO)) for p in NOTEBOOKS]]  # fmt: skip
    done = subprocess.run([str(c) for c in cmd], cwd=REPO, env=pyenvs.environ(colab), capture_output=True, text=True,
                          timeout=NOTEBOOK_TIMEOUT_S)  # fmt: skip
    summary = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    assert done.returncode == 0, f"on Colab's versions: {summary}\n{(done.stdout + done.stderr)[-6000:]}"
    assert re.search(r"\b\d+ passed\b", done.stdout) and " skipped" not in summary[0], summary


def test_package_resolves_with_colab_2026_07_pinned_set_adding_only_itself():
    """pip resolves the package together with the 2026.07 runtime's versions, each a hard requirement:
    it must succeed, and what it adds to them is the package and, at most, dependencies that Colab's own
    packages declare and Colab lacks (such as IPython's jedi), none that the package asks for itself."""
    python = pyenvs.need_python("3.12")
    pinned = pyenvs.pins(RUNTIME_2026_07)
    bare = pyenvs.python_of(pyenvs.build("colab-pip-3.12", python, [["install", f"pip=={pinned['pip']}"]]))
    try:
        done = pyenvs.run([bare, "-m", "pip", "install", "--dry-run", "-q", "--ignore-installed", "--report", "-",
                           "--disable-pip-version-check", "-r", RUNTIME_2026_07, f"vae_tutorial @ {REPO.as_uri()}"])
    except RuntimeError as error:
        pytest.fail(f"the package cannot be installed beside {RUNTIME_2026_07.name} unchanged:\n{error}")
    report = {pyenvs.normalise(i["metadata"]["name"]): i["metadata"] for i in json.loads(done.stdout)["install"]}
    changed = {n: m["version"] for n, m in report.items() if n in pinned and m["version"] != pinned[n]}
    assert not changed, f"beside {RUNTIME_2026_07.name} the package changes {changed}"

    def needs(name):
        return {pyenvs.normalise(r.name) for r in map(Requirement, report[name].get("requires_dist") or [])
                if not r.marker or r.marker.evaluate({"extra": ""})}

    added = set(report) - set(pinned) - {"vae-tutorial"}
    ours = added & needs("vae-tutorial")
    colab_lacks = {n for n in added if any(n in needs(p) for p in pinned if p in report)}
    assert not ours and added <= colab_lacks, (
        f"beside {RUNTIME_2026_07.name} the package adds {sorted(added - colab_lacks | ours)}"
    )
