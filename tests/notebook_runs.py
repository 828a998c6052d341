"""Every notebook executed by nbval in Colab's and Binder's environments, both runs at once.

Each run is a pytest subprocess of that environment's Python (``pyenvs.environ``: the checkout and the
environment's own data folder, with no trained run left from an earlier test session). The two start
together, so their single-threaded stretches (kernel starts, imports, plots) overlap on the two CPU cores;
a sampler records the peak resident memory (``VmHWM``) of every kernel below each run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from pathlib import Path

import pyenvs
from pyenvs import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TIMEOUT_S = 2400  # both runs share the cores: each takes about as long as the two would one after the other


class NotebookRun:
    """``pytest [tests] <every notebook>`` by ``python``, started at once in the background."""

    def __init__(self, python: Path, tests: tuple[str, ...] = ()):
        shutil.rmtree(pyenvs.data_dir(python) / "runs", ignore_errors=True)  # train from scratch, as a new runtime
        cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
               *tests, *[p.relative_to(REPO) for p in NOTEBOOKS]]  # fmt: skip
        self.process = subprocess.Popen([str(c) for c in cmd], cwd=REPO, env=pyenvs.environ(python), text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        self.peaks_kb: dict[int, int] = {}  # kernel pid: its peak resident memory, in the order first seen
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        self._output: str | None = None

    def output(self) -> str:
        """Everything the run printed, once it has ended (killed after ``TIMEOUT_S``)."""
        if self._output is None:
            try:
                self._output, _ = self.process.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self._output = f"{self.process.communicate()[0]}\n(killed after {TIMEOUT_S} s)"
            finally:
                self._stop.set()
                self._sampler.join()
        return self._output

    def kernel_peaks_mb(self) -> list[float]:
        """Each kernel's peak memory in MB, in the order the kernels started (one per notebook)."""
        self.output()
        return [kb / 1024 for kb in self.peaks_kb.values()]

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for pid in _descendants(self.process.pid):
                try:
                    cmdline = (Path("/proc") / str(pid) / "cmdline").read_text()
                    status = (Path("/proc") / str(pid) / "status").read_text()
                except OSError:
                    continue
                if "ipykernel" in cmdline:
                    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
                    self.peaks_kb[pid] = max(hwm, self.peaks_kb.get(pid, 0))


def _descendants(root_pid: int) -> list[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, root_pid):
            ancestor = parents.get(ancestor)
        if ancestor == root_pid:
            found.append(pid)
    return found
