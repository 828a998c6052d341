"""Binder, emulated: binder/ installed as repo2docker does, then every notebook executed, each kernel's memory measured.

repo2docker (what Binder runs) makes an environment with the Python of ``binder/runtime.txt``, runs
``pip install -r binder/requirements.txt`` and then ``binder/postBuild``. Here pyenv's Python of that
version does the same in a virtual environment (cached by ``tests/pyenvs.py``; the first build takes a
couple of minutes), adds nbval and pytest (constrained by the pins, so nothing pinned changes) and
executes every notebook with nbval. Binder gives a session about 2 GB of memory, the JupyterLab server
included: each notebook's kernel must stay under 1.8 GB at its peak (``VmHWM``, read while it runs).
"""

from __future__ import annotations

import re
import subprocess

import pyenvs
import pytest
from notebook_runs import NOTEBOOKS

BINDER = pyenvs.BINDER
KERNEL_LIMIT_MB = 1800


@pytest.fixture(scope="module")
def binder():
    return pyenvs.binder()


def test_binder_requirements_pin_everything_the_environment_holds(binder):
    """pip installed nothing beyond the pins, and every pinned package's own requirements are met."""
    pinned = pyenvs.pins(BINDER / "requirements.txt")
    extra = {"nbval", "pytest", "coverage", "iniconfig", "pluggy", "vae-tutorial", "pip"}
    unpinned = sorted(set(pyenvs.installed(binder)) - set(pinned) - extra)
    assert not unpinned, f"binder/requirements.txt does not pin {unpinned} (refresh it: see the README)"
    check = subprocess.run([binder, "-m", "pip", "check"], capture_output=True, text=True, cwd=binder.parent)
    # postBuild installs the package without its dependencies: tensorflow-cpu stands in for its tensorflow
    stand_in = re.compile(r"vae-tutorial \S+ requires tensorflow,")
    broken = [line for line in check.stdout.splitlines() if not stand_in.match(line)]
    assert not broken, "\n".join(broken)


def test_every_notebook_passes_on_binder_with_kernels_under_the_memory_limit(notebook_runs):
    run = notebook_runs["binder"]
    if isinstance(run, BaseException):
        raise run
    output = run.output()
    assert run.process.returncode == 0, f"on Binder's packages:\n{output[-6000:]}"
    megabytes = run.kernel_peaks_mb()
    assert len(megabytes) == len(NOTEBOOKS), f"expected one kernel per notebook, saw {len(megabytes)}"
    shown = ", ".join(f"{p.stem[:2]} {mb:.0f} MB" for p, mb in zip(NOTEBOOKS, megabytes))
    print(f"kernel peaks on Binder's packages: {shown}")
    assert max(megabytes) < KERNEL_LIMIT_MB, f"a kernel passed {KERNEL_LIMIT_MB} MB: {shown}"
