"""Colab as it is: the setup cell changes nothing Colab preinstalled, and the tutorial runs on Colab's versions.

Colab's front end cannot run here, but its packages can: ``tests/colab/constraints-current.txt`` holds
Colab's published versions (Python 3.13, TensorFlow 2.20, Keras 3.13, ipywidgets 7.7.1, IPython 7.34,
Notebook 6.5, no JupyterLab) of every package the tutorial touches. ``pyenvs.colab()`` builds an
environment from it as Colab's image is (pyenv's Python 3.13, Colab's pip, each package as pinned, nothing
resolved), plus nbval; it is cached, and the first build takes a few minutes.

- The setup cell's own ``%pip install`` line, read from the notebooks and pointed at this checkout instead
  of GitHub, goes to pip with ``--dry-run --report``: it must change nothing Colab has and add nothing the
  package asks for (Colab's IPython declares jedi, which Colab leaves out: pip fills that in unless the
  line says ``--no-deps``).
- Each of the package's requirements is met by Colab's own version.
- The widget and model tests and all five notebooks (nbval) pass in that environment.
- Colab's pinned runtime 2026.07 (Python 3.12, numpy 2.0.2; ``constraints-2026.07.txt``) is checked
  without an environment: pip resolves the package together with those versions, changing none.
"""

from __future__ import annotations

import json
import re
import shlex

import pyenvs
import pytest
from notebook_runs import NOTEBOOKS
from packaging.requirements import Requirement
from packaging.version import Version
from pyenvs import REPO

CURRENT = pyenvs.COLAB_CONSTRAINTS
RUNTIME_2026_07 = CURRENT.with_name("constraints-2026.07.txt")


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


def needs(requires: list[str] | None) -> set[str]:
    """The names a distribution's requirement strings ask for (extras left out)."""
    return {pyenvs.normalise(r.name) for r in map(Requirement, requires or [])
            if not r.marker or r.marker.evaluate({"extra": ""})}  # fmt: skip


def check_additions(report: dict[str, dict], colab: dict[str, str], colab_needs: set[str], where: str) -> None:
    """``report`` (pip's, installing vae_tutorial beside Colab's packages ``colab``) changes none of them and
    adds the package and, at most, dependencies that Colab's own packages declare (``colab_needs``) and
    Colab lacks, none that the package asks for itself."""
    changed = {n: f"{colab[n]} -> {m['version']}" for n, m in report.items() if n in colab}
    assert not changed, f"{where}, pip would change Colab's {changed}"
    added = set(report) - set(colab) - {"vae-tutorial"}
    ours = added & needs(report["vae-tutorial"].get("requires_dist"))
    assert not ours and added <= colab_needs, f"{where}, pip would add {sorted(ours | (added - colab_needs))}"


def test_setup_cell_changes_nothing_colab_has(colab):
    """The setup cell's %pip line installs the package, changes nothing Colab has, and adds nothing the
    package asks for (what it adds beside the package can only be a dependency Colab's own packages lack)."""
    args = setup_install_args()
    assert args[0] == "install"
    report = pyenvs.dry_run(colab, args[1:])
    assert "vae-tutorial" in report
    colab_needs = set().union(*map(needs, pyenvs.installed(colab, "requires").values()))
    check_additions(report, pyenvs.installed(colab), colab_needs, f"on Colab, `%pip {shlex.join(args)}`")


def test_package_requirements_are_all_met_by_colab(colab):
    """Each requirement of the package is met by the version Colab has, so pip need not touch any of them
    (and a setup line with --no-deps leaves nothing missing)."""
    have = pyenvs.installed(colab)
    report = pyenvs.dry_run(colab, ["--no-deps", f"vae_tutorial @ {REPO.as_uri()}"])
    for line in report["vae-tutorial"].get("requires_dist") or []:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra
        name = pyenvs.normalise(requirement.name)
        assert name in have, f"Colab lacks {requirement}: the setup cell would have to install it"
        assert Version(have[name]) in requirement.specifier, f"Colab's {name} {have[name]} does not meet {requirement}"


def test_tutorial_passes_its_widget_model_and_notebook_tests_on_colab_versions(notebook_runs):
    """The widget and model tests and every notebook (nbval), run by Colab's Python and packages."""
    run = notebook_runs["colab"]
    if isinstance(run, BaseException):
        raise run
    output = run.output()
    summary = output.strip().splitlines()[-1:] or [""]
    assert run.process.returncode == 0, f"on Colab's versions: {summary}\n{output[-6000:]}"
    assert re.search(r"\b\d+ passed\b", summary[0]) and " skipped" not in summary[0], summary


def test_package_resolves_with_colab_2026_07_versions_changing_none():
    """pip resolves the package together with the 2026.07 runtime's versions, each a hard requirement: it
    must succeed, change none of them and add nothing the package itself asks for."""
    python = pyenvs.need_python("3.12")
    pinned = pyenvs.pins(RUNTIME_2026_07)
    bare = pyenvs.python_of(pyenvs.build("colab-pip-3.12", python, [["install", f"pip=={pinned['pip']}"]]))
    try:
        report = pyenvs.dry_run(bare, ["--ignore-installed", "-r", RUNTIME_2026_07, f"vae_tutorial @ {REPO.as_uri()}"])
    except RuntimeError as error:
        pytest.fail(f"the package cannot be installed beside {RUNTIME_2026_07.name} unchanged:\n{error}")
    changed = {n: m["version"] for n, m in report.items() if n in pinned and m["version"] != pinned[n]}
    assert not changed, f"beside {RUNTIME_2026_07.name} the package changes {changed}"
    colab = {n: m for n, m in report.items() if n in pinned}
    colab_needs = set().union(*(needs(m.get("requires_dist")) for m in colab.values()))
    beside = {n: m for n, m in report.items() if n not in pinned}
    check_additions(beside, pinned, colab_needs, f"beside {RUNTIME_2026_07.name}")
