"""Virtual environments that stand in for where readers run the tutorial (Colab, Binder), for the tests.

``build(name, python, steps)`` makes a virtual environment with ``python`` and runs each pip command of
``steps`` in it, once: the folder is named after a hash of the Python and the steps (and the files they
read), so a rerun reuses it in seconds and any change builds a new one. Environments live under
``$VAE_TUTORIAL_TEST_ENVS`` (``.ci/run`` points it at a fresh folder, so CI builds them from scratch), else
in the user cache folder. A lock lets two test processes share one build.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

from filelock import FileLock
from platformdirs import user_cache_dir

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pyenv_python(version: str) -> Path | None:
    """The newest interpreter pyenv keeps for ``version`` ("3.13" or "3.13.0"), or None where there is none."""
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    versions = Path(root or Path.home() / ".pyenv") / "versions"
    found = [p for p in versions.glob(f"{version}*/bin/python") if re.fullmatch(rf"{re.escape(version)}(\.\d+)?",
                                                                                 p.parent.parent.name)]
    return max(found, key=lambda p: [int(n) for n in p.parent.parent.name.split(".")], default=None)


def need_python(version: str) -> Path:
    """pyenv's Python ``version``; skip saying why where the machine has none (fail in CI, which has it)."""
    import pytest

    python = pyenv_python(version)
    if python is None:
        reason = f"no Python {version} under `pyenv root`/versions (pyenv install {version})"
        pytest.fail(reason) if IN_CI else pytest.skip(reason)
    return python


def envs_root() -> Path:
    return Path(os.environ.get("VAE_TUTORIAL_TEST_ENVS") or Path(user_cache_dir("vae_tutorial")) / "test-envs")


def _key(python: Path, steps: list[list[str]]) -> str:
    """A hash of the Python, the steps and the contents of every file a step names."""
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True)
    parts = [version.stdout, json.dumps(steps)]
    parts += [Path(a).read_text() for step in steps for a in step if os.sep in a and Path(a).is_file()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def build(name: str, python: Path, steps: list[list[str]]) -> Path:
    """The environment's folder (``bin/python`` inside), built if missing: venv, then ``pip <step>`` each."""
    root = envs_root()
    root.mkdir(parents=True, exist_ok=True)
    env = root / f"{name}-{_key(python, steps)}"
    done = env / "built"  # written last: a half-built environment (a killed run) is built again
    with FileLock(f"{env}.lock"):
        if done.exists():
            return env
        shutil.rmtree(env, ignore_errors=True)
        run([python, "-m", "venv", env])  # in place: a venv's scripts record its path, so it cannot be moved
        for step in steps:
            run([python_of(env), "-m", "pip", *step, "--disable-pip-version-check", "-q"])
        done.write_text(json.dumps(steps, indent=1))
        return env


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd``; on failure raise with the command and the end of its output."""
    kwargs.setdefault("cwd", envs_root())  # not the checkout: its vae_tutorial.egg-info would count as installed
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    if done.returncode:
        output = (done.stdout + done.stderr)[-4000:]
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{output}")
    return done


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements or constraints file, as {normalised name: version}."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            found[normalise(match.group(1))] = match.group(2)
    return found


def dry_run(python: Path, args: list[str]) -> dict[str, dict]:
    """What ``pip install <args>`` would install or upgrade: {normalised name: its metadata} from pip's report."""
    pip = [python, "-m", "pip", "install", "--dry-run", "--quiet", "--report", "-", "--disable-pip-version-check"]
    report = json.loads(run([*pip, *args]).stdout)
    return {normalise(i["metadata"]["name"]): i["metadata"] for i in report["install"]}


def installed(python: Path, what: str = "version") -> dict:
    """{normalised name: version} of every distribution in the environment (``what="requires"``: the
    requirement strings it declares)."""
    code = f"import importlib.metadata as m, json; print(json.dumps({{d.name: d.{what} for d in m.distributions()}}))"
    return {normalise(k): v for k, v in json.loads(run([python, "-c", code]).stdout).items()}


def python_of(env: Path) -> Path:
    return env / "bin" / "python"


def once(make):
    """``make()`` done once per test session, whichever thread asks first (the others wait for it); a failure
    is not kept, so the next call tries again and reports it."""
    lock = threading.Lock()
    done: list[Path] = []

    @functools.wraps(make)
    def made() -> Path:
        with lock:
            if not done:
                done.append(make())
            return done[0]

    return made


# --- Google Colab's current runtime ------------------------------------------------------------

COLAB_CONSTRAINTS = REPO / "tests" / "colab" / "constraints-current.txt"
# What the tests need beyond Colab's packages (nbval executes the notebooks; Colab does not have it).
COLAB_TEST_EXTRAS = ["nbval==0.11.0", "coverage==7.18.0"]


@once
def colab() -> Path:
    """The Python of an environment at Colab's current versions (pyenv's newest 3.13 and Colab's own pip), built as
    Colab's image is: each package of the constraints file as pinned, none resolved (Colab itself lacks some
    dependencies its packages declare, such as IPython's jedi), then nbval; without vae_tutorial."""
    python = need_python("3.13")
    env = build("colab", python, [
        ["install", f"pip=={pins(COLAB_CONSTRAINTS)['pip']}"],
        ["install", "--no-deps", "-r", str(COLAB_CONSTRAINTS)],
        ["install", "--no-deps", *COLAB_TEST_EXTRAS],
    ])  # fmt: skip
    python = python_of(env)
    if "vae-tutorial" in installed(python):  # left by someone's experiment: Colab starts without it
        run([python, "-m", "pip", "uninstall", "-y", "-q", "vae_tutorial"])
    return python


# --- Binder, emulated ---------------------------------------------------------------------------

BINDER = REPO / "binder"


@once
def binder() -> Path:
    """The Python of an environment as repo2docker builds Binder's: ``binder/runtime.txt``'s Python, ``pip install
    -r binder/requirements.txt`` (with dependencies, which the pins must hold), nbval and pytest constrained by
    the pins; then ``binder/postBuild``."""
    import pytest

    runtime = (BINDER / "runtime.txt").read_text().strip()
    version = re.fullmatch(r"python-(3\.\d+)", runtime)
    if not version:
        pytest.fail(f"binder/runtime.txt should read python-3.N, not {runtime!r}")
    requirements = str(BINDER / "requirements.txt")
    env = build("binder", need_python(version.group(1)), [
        ["install", "-r", requirements],
        ["install", "-c", requirements, "nbval==0.11.0", "pytest"],
    ])  # fmt: skip
    python = python_of(env)
    run(["bash", BINDER / "postBuild"], cwd=REPO, env=environ(python))
    return python


def prebuild() -> threading.Thread:
    """Start building Colab's and Binder's environments in the background (pip waits mostly on downloads and
    disk, so the CPU-bound tests run meanwhile); the tests' own calls then get them from ``once``. A failure
    here is left for those calls to raise."""

    def both():
        for make in (colab, binder):
            try:
                make()
            except BaseException:  # noqa: B036 (pytest's skip and fail are BaseExceptions; the test reports them)
                pass

    thread = threading.Thread(target=both, name="prebuild-test-envs", daemon=True)
    thread.start()
    return thread


def data_dir(python: Path) -> Path:
    """The data folder of an environment of this module (its faces, caches and trained runs)."""
    return python.parent.parent / "data"


def environ(python: Path) -> dict[str, str]:
    """Environment variables for running the checkout with ``python`` (an environment of this module): the
    package from the checkout, that environment's own data folder (a fresh runtime's) and kernels only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAE_TUTORIAL_", "VIRTUAL_ENV", "PYTHON"))}
    data = data_dir(python)
    env.update(PYTHONPATH=str(REPO), VAE_TUTORIAL_DATA_DIR=str(data), JUPYTER_DATA_DIR=str(data / "jupyter"),
               PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}")  # fmt: skip
    return env
