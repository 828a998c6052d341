"""Launch anywhere: the Colab badges and install lines, the Binder links and configuration, the README.

The repository's URL lives in one place, ``[project.urls] Repository`` in pyproject.toml; every
badge, link and install line is derived from it here, so a renamed or forked repository fails these
tests until every notebook and the README agree again.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
README = (REPO / "README.md").read_text(encoding="utf-8")
BINDER = REPO / "binder"
BRANCH = "main"


def _repository_url() -> str:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        match = re.search(r'^\[project\.urls\][^\[]*?^Repository\s*=\s*"([^"]+)"', text, re.M | re.S)
        assert match, "pyproject.toml has no [project.urls] Repository"
        return match.group(1)
    return tomllib.loads(text)["project"]["urls"]["Repository"]


REPO_URL = _repository_url()
_GITHUB = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", REPO_URL)
SLUG = f"{_GITHUB.group(1)}/{_GITHUB.group(2)}" if _GITHUB else ""

COLAB_BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE_SVG = "https://mybinder.org/badge_logo.svg"


def colab_url(notebook: str) -> str:
    return f"https://colab.research.google.com/github/{SLUG}/blob/{BRANCH}/notebooks/{notebook}"


def binder_url(notebook: str | None = None) -> str:
    path = f"lab/tree/notebooks/{notebook}" if notebook else "lab"
    return f"https://mybinder.org/v2/gh/{SLUG}/HEAD?urlpath={path}"


SETUP_CELL = f'''\
# Setup. On Colab: install this tutorial's package from GitHub. Colab already has everything the package
# needs (TensorFlow, Keras, ipywidgets 7, pandas ...), so pip adds the package and changes nothing
# Colab installed. The sliders are built-in ipywidgets, which Colab shows by itself (no widget manager to
# switch on). Elsewhere (JupyterLab from a clone, Binder) the package is installed already: nothing to do.
import sys

if "google.colab" in sys.modules:
    %pip install -q "vae_tutorial @ git+{REPO_URL}"
else:
    print("Not on Colab: using the installed vae_tutorial package.")'''

# URLs that name a repository: all of them must name ours.
_REPO_REFERENCES = [
    re.compile(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)"),
    re.compile(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)"),
    re.compile(r"git\+https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?(?=[\s\"'@#]|$)"),
    # any other repository of the same owner (a stale name after a rename)
    re.compile(rf"github\.com/({re.escape(SLUG.split('/')[0])}/[\w.-]+?)(?:\.git)?(?=[/\s\"')#]|$)"),
]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _wrong_repositories(text: str) -> list[str]:
    return sorted({m.group(0) for rx in _REPO_REFERENCES for m in rx.finditer(text) if m.group(1) != SLUG})


# ---------------------------------------------------------------------------------------------
# The one URL


def test_repository_url_is_a_github_repository():
    assert _GITHUB, f"[project.urls] Repository = {REPO_URL!r} should be https://github.com/OWNER/NAME"


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5, [p.name for p in NOTEBOOKS]


# ---------------------------------------------------------------------------------------------
# Colab: badge and setup cell in every notebook


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_opens_with_its_colab_badge(notebook):
    first = _cells(notebook)[0]
    assert first["cell_type"] == "markdown", "the first cell should be the title with the Colab badge"
    badge = f"[![Open In Colab]({COLAB_BADGE_SVG})]({colab_url(notebook.name)})"
    assert badge in _source(first), f"{notebook.name}: the first cell lacks\n{badge}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_first_code_cell_is_the_setup_cell(notebook):
    code = [c for c in _cells(notebook) if c["cell_type"] == "code"]
    assert code, f"{notebook.name} has no code cell"
    assert _source(code[0]) == SETUP_CELL, f"{notebook.name}: the first code cell should be exactly\n{SETUP_CELL}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_names_no_other_repository(notebook):
    text = "\n".join(_source(c) for c in _cells(notebook))
    assert not _wrong_repositories(text), f"{notebook.name} points at another repository than {REPO_URL}"


class _FakeIPython:
    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line, _stack_depth=1):
        self.magics.append((name, line))


def _run_setup_cell(monkeypatch, capsys, on_colab: bool):
    """Run the setup cell as IPython would (its %pip line transformed), on Colab or not."""
    from IPython.core.inputtransformer2 import TransformerManager

    if on_colab:  # Colab's kernel has imported google.colab; the cell looks for it and nothing more
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    shell = _FakeIPython()
    code = TransformerManager().transform_cell(SETUP_CELL)
    exec(compile(code, "<setup cell>", "exec"), {"get_ipython": lambda: shell})
    return shell.magics, capsys.readouterr().out


def test_setup_cell_elsewhere_does_nothing_and_says_so_in_one_line(monkeypatch, capsys):
    magics, out = _run_setup_cell(monkeypatch, capsys, on_colab=False)
    assert magics == []
    assert out == "Not on Colab: using the installed vae_tutorial package.\n"


def test_setup_cell_on_colab_installs_from_the_repository_and_nothing_else(monkeypatch, capsys):
    """Only the install: no widget manager is switched on (Colab documents enable_custom_widget_manager for
    third-party widgets; the sliders are built-in ipywidgets), and nothing is printed."""
    magics, out = _run_setup_cell(monkeypatch, capsys, on_colab=True)
    assert magics == [("pip", f'install -q "vae_tutorial @ git+{REPO_URL}"')]
    assert out == ""


# ---------------------------------------------------------------------------------------------
# README: badges, the notebook table, links


def test_readme_has_a_binder_badge_that_opens_jupyterlab():
    badge = f"[![Binder]({BINDER_BADGE_SVG})]({binder_url()})"
    assert badge in README, f"README.md lacks the Binder badge\n{badge}"


def _table_row(notebook: Path) -> str:
    rows = [line for line in README.splitlines() if line.startswith("|") and f"(notebooks/{notebook.name})" in line]
    assert len(rows) == 1, f"README.md's notebook table should have one row linking notebooks/{notebook.name}"
    return rows[0]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_readme_table_links_each_notebook_on_colab_and_binder(notebook):
    row = _table_row(notebook)
    assert f"({colab_url(notebook.name)})" in row, f"the row of {notebook.name} lacks its Colab link"
    assert f"({binder_url(notebook.name)})" in row, f"the row of {notebook.name} lacks its Binder link"


def test_readme_names_no_other_repository():
    assert not _wrong_repositories(README), f"README.md points at another repository than {REPO_URL}"
    for path in [REPO / "data" / "README.md", *BINDER.glob("*")]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not _wrong_repositories(text), f"{path.relative_to(REPO)} points at another repository"


def test_readme_local_links_and_pictures_exist():
    targets = re.findall(r"\]\((?!https?://|#|mailto:)([^)\s]+)\)", README)
    assert targets
    missing = sorted({t for t in targets if not (REPO / t.split("#")[0]).exists()})
    assert not missing, f"README.md links to files that do not exist: {missing}"


def test_readme_quick_start_is_two_commands_and_the_test_command_is_marked():
    quick = re.search(r"^## Quick start\n(.*?)(?=^## )", README, re.M | re.S)
    assert quick, "README.md has no '## Quick start' section"
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)\n```", quick.group(1), re.S)
    assert len(blocks) == 2 and all("\n" not in b.strip() for b in blocks), blocks
    marked = re.search(r"<!-- test-command -->\s*```(?:bash|sh)?\n(.*?)\n```", quick.group(1), re.S)
    assert marked, "the test command should sit under <!-- test-command --> (.ci/run reads it)"
    assert ".[test]" in marked.group(1) and "pytest" in marked.group(1)


# ---------------------------------------------------------------------------------------------
# Binder (repo2docker reads only binder/ when that folder exists)


def _requirement_names(lines) -> dict[str, str]:
    names = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.match(r"[A-Za-z0-9_.-]+", line).group(0)
            names[re.sub(r"[-_.]+", "-", name).lower()] = line
    return names


def test_binder_runtime_is_a_supported_python():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match, f"binder/runtime.txt should read python-3.X, not {runtime!r}"
    text = (REPO / "pyproject.toml").read_text()
    lowest = int(re.search(r'requires-python\s*=\s*">=3\.(\d+)"', text).group(1))
    assert lowest <= int(match.group(1)) <= 13, f"{runtime} is outside requires-python or repo2docker's pythons"


def _dependencies(extra: str | None = None) -> list[str]:
    """The package's requirements (or those of one extra), from pyproject.toml itself: the installed
    metadata may be older than the file."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the installed metadata
        import importlib.metadata as md

        marker = f'extra == "{extra}"'
        return [r.split(";")[0].strip() for r in md.requires("vae_tutorial") or []
                if (marker in r if extra else "extra ==" not in r)]  # fmt: skip
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return project["optional-dependencies"][extra] if extra else project["dependencies"]


def test_requirements_txt_is_the_dependencies_with_the_lab_extra():
    """What a reader installs: the dependencies and JupyterLab (the `lab` extra's bounds win)."""
    expected = {**_requirement_names(_dependencies()), **_requirement_names(_dependencies("lab"))}
    listed = _requirement_names((REPO / "requirements.txt").read_text().splitlines())
    assert listed == expected, "requirements.txt should list pyproject's dependencies and its `lab` extra"
    assert "jupyterlab" not in _requirement_names(_dependencies()), "JupyterLab belongs in the `lab` extra only"


def test_binder_requirements_in_is_requirements_txt_with_cpu_tensorflow():
    wanted = _requirement_names((REPO / "requirements.txt").read_text().splitlines())
    expected = {("tensorflow-cpu" if n == "tensorflow" else n): re.sub(r"^tensorflow\b", "tensorflow-cpu", line)
                for n, line in wanted.items()}  # fmt: skip
    listed = _requirement_names((BINDER / "requirements.in").read_text().splitlines())
    assert listed == expected, (
        "binder/requirements.in should be requirements.txt with tensorflow-cpu (a lean image) for tensorflow"
    )


def test_binder_requirements_txt_pins_every_requirement_of_requirements_in():
    """Every line a pin (name==version), each of requirements.in's requirements pinned within its bounds.
    That the pins hold every dependency too is tested by installing them (tests/test_binder.py)."""
    from packaging.requirements import Requirement

    pinned = _requirement_names((BINDER / "requirements.txt").read_text().splitlines())
    loose = {n: line for n, line in pinned.items() if not re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.+!-]+", line)}
    assert not loose, f"binder/requirements.txt should pin each package exactly: {sorted(loose.values())}"
    for name, line in _requirement_names((BINDER / "requirements.in").read_text().splitlines()).items():
        assert name in pinned, f"binder/requirements.txt does not pin {name} (refresh it: see the README)"
        version = pinned[name].split("==")[1]
        assert Requirement(line).specifier.contains(version), f"binder pins {pinned[name]}, outside {line}"


def test_binder_postbuild_installs_the_package_without_dependencies():
    post = BINDER / "postBuild"
    text = post.read_text()
    assert text.startswith("#!/bin/bash") and "set -euo pipefail" in text
    assert os.access(post, os.X_OK), "binder/postBuild must be executable (chmod +x; git keeps the bit)"
    tracked = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=REPO, capture_output=True, text=True)
    if tracked.returncode == 0 and tracked.stdout:
        assert tracked.stdout.startswith("100755"), "git records binder/postBuild as not executable"
    assert subprocess.run(["bash", "-n", str(post)]).returncode == 0, "binder/postBuild has a syntax error"
    install = [line for line in text.splitlines() if "pip install" in line and not line.startswith("#")]
    assert len(install) == 1 and "--no-deps" in install[0] and re.search(r"-e \.(\s|$)", install[0]), (
        "postBuild should install the package with --no-deps: its own dependency on `tensorflow` "
        "would add the full TensorFlow beside binder/requirements.txt's tensorflow-cpu"
    )


def test_binder_postbuild_generates_the_synthetic_faces(tmp_path):
    """Run postBuild's Python steps (not pip) on a tiny synthetic set in a temporary folder."""
    lines = [line for line in (BINDER / "postBuild").read_text().splitlines() if line.startswith("python -c")]
    assert lines, "binder/postBuild should generate the synthetic data (a `python -c` line)"
    env = dict(os.environ, VAE_TUTORIAL_DATA_DIR=str(tmp_path), VAE_TUTORIAL_SYNTHETIC_SIZE="12")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VAE_TUTORIAL_DATASET", None)
    for line in lines:
        run = subprocess.run(["bash", "-c", line], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, f"{line}\n{run.stderr[-2000:]}"
    assert len(list(tmp_path.glob("synthetic_12_seed0/**/*.jpg"))) == 12
