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
import threading
from pathlib import Path

import pyenvs
import pytest
from pyenvs import REPO

BINDER = pyenvs.BINDER
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KERNEL_LIMIT_MB = 1800
TIMEOUT_S = 1500


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


def _peaks(root_pid: int, peaks: dict[int, tuple[str, int]], stop: threading.Event) -> None:
    """Until ``stop``: the peak resident memory (VmHWM, kB) of every ipykernel below ``root_pid``, by pid."""
    while not stop.wait(0.5):
        parents = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                parents[int(stat.parent.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
        for pid in parents:
            ancestor = parents.get(pid)
            while ancestor not in (None, 0, 1, root_pid):
                ancestor = parents.get(ancestor)
            if ancestor != root_pid:
                continue
            try:
                cmdline = (Path("/proc") / str(pid) / "cmdline").read_text()
                status = (Path("/proc") / str(pid) / "status").read_text()
            except OSError:
                continue
            if "ipykernel" in cmdline:
                hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
                peaks[pid] = (peaks.get(pid, ("", 0))[0] or cmdline, max(hwm, peaks.get(pid, ("", 0))[1]))


def test_every_notebook_passes_on_binder_with_kernels_under_the_memory_limit(binder):
    cmd = [binder, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
           *[str(p.relative_to(REPO)) for p in NOTEBOOKS]]  # fmt: skip
    peaks: dict[int, tuple[str, int]] = {}
    stop = threading.Event()
    process = subprocess.Popen([str(c) for c in cmd], cwd=REPO, env=pyenvs.environ(binder), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    sampler = threading.Thread(target=_peaks, args=(process.pid, peaks, stop), daemon=True)
    sampler.start()
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    finally:
        process.kill()
        stop.set()
        sampler.join()
    assert process.returncode == 0, f"on Binder's packages:\n{output[-6000:]}"
    assert len(peaks) == len(NOTEBOOKS), f"expected one kernel per notebook, saw {len(peaks)}"
    megabytes = [kb / 1024 for _, kb in peaks.values()]  # in the order the kernels started
    shown = ", ".join(f"{p.stem[:2]} {mb:.0f} MB" for p, mb in zip(NOTEBOOKS, megabytes))
    print(f"kernel peaks on Binder's packages: {shown}")
    assert max(megabytes) < KERNEL_LIMIT_MB, f"a kernel passed {KERNEL_LIMIT_MB} MB: {shown}"
