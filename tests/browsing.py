"""What the browser tests share: Debian's Chromium driven by Playwright, a Jupyter server, a slider dragged by
mouse, a picture compared before and after.

- Browser: ``/usr/bin/chromium`` (Debian's package, ``apt-get install chromium``; ``.ci/run`` installs it)
  or ``$VAE_TUTORIAL_CHROMIUM``, launched through Playwright's ``executable_path``: nothing is downloaded.
  Without it a test skips, saying why, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # a test extra: pip install -e ".[test]"
    sync_playwright = PlaywrightTimeout = None

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = os.environ.get("VAE_TUTORIAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
RUN_ALL_TIMEOUT_S = float(os.environ.get("VAE_TUTORIAL_BROWSER_TIMEOUT", "900"))
SERVER_START_TIMEOUT_S = 120
UI_TIMEOUT_MS = 120_000  # a Jupyter page's first load on a busy 2-core machine can take a while


def need(condition: bool, reason: str) -> None:
    """Skip with the reason outside CI; fail in CI, where the browser tests must run for real."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI; .ci/run installs Chromium)")
    pytest.skip(reason)


def need_browser() -> None:
    need(sync_playwright is not None, 'Playwright is not installed (pip install -e ".[test]")')
    need(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (install it: apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_dirs(home: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` with Jupyter's and IPython's config, data and runtime folders in ``home``: nothing of the user's."""
    dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
            "IPYTHONDIR": "ipython"}  # fmt: skip
    for name in dirs.values():
        (home / name).mkdir(parents=True, exist_ok=True)
    return {**env, **{k: str(home / v) for k, v in dirs.items()}, "PYTHONUNBUFFERED": "1"}


@contextlib.contextmanager
def server(cmd: list, env: dict[str, str], cwd: Path, url: str, log_path: Path, name: str):
    """Start a Jupyter server (its own process group), wait until ``url``/api/status answers; stop it after."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(c) for c in cmd], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                   start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not answer within {SERVER_START_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server (it shuts its kernels down), then kill whatever of its group is left."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            pass
    try:  # kernels the server started sit in its process group
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def wait_image_settled(page, face, old_src: str | None) -> str:
    """Wait until the face <img> shows a new, fully loaded picture that stops changing; return its src."""
    handle = face.element_handle()
    if old_src is not None:
        page.wait_for_function("([el, src]) => el.src !== src", arg=[handle, old_src], timeout=UI_TIMEOUT_MS)
    src, stable_since = None, time.monotonic()
    while time.monotonic() - stable_since < 1.5:  # continuous updates: let the last one land
        now = page.evaluate("el => el.complete && el.naturalWidth > 0 ? el.src : null", handle)
        if now != src:
            src, stable_since = now, time.monotonic()
        page.wait_for_timeout(250)
    assert src, "the face image never finished loading"
    return src


def number(readout: str) -> float:
    return float(readout.strip().replace("\u2212", "-"))  # ipywidgets writes minus as U+2212


def drag_slider(page, handle, track, readout, bounds: tuple[float, float], value: float) -> tuple[str, bool]:
    """Drag a slider's ``handle`` along its ``track`` with the mouse to ``value`` (``bounds`` are the slider's
    min and max); return (the ``readout`` then, whether it moved)."""
    low, high = bounds
    hb, tb = handle.bounding_box(), track.bounding_box()
    assert hb and tb, "the slider has no handle or track on the page"
    x, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
    target = tb["x"] + tb["width"] * (value - low) / (high - low)
    shown = readout.inner_text()
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(target, y, steps=12)
    page.mouse.up()
    if abs(target - x) < 1:  # already there
        return shown, False
    try:  # the readout follows the handle in the page itself, at once
        page.wait_for_function("([el, v]) => el.textContent.trim() !== v", arg=[readout.element_handle(), shown],
                               timeout=10_000)  # fmt: skip
    except PlaywrightTimeout:  # snapped back to the step it was on
        return shown, False
    return readout.inner_text(), True


def shot_region(page, locators, path: Path, pad: int) -> None:
    """A screenshot of the smallest page area holding all the given elements (plus a margin)."""
    boxes = [loc.bounding_box() for loc in locators]
    x0, y0 = min(b["x"] for b in boxes) - pad, min(b["y"] for b in boxes) - pad
    x1 = max(b["x"] + b["width"] for b in boxes) + pad
    y1 = max(b["y"] + b["height"] for b in boxes) + pad
    left, top = max(x0, 0), max(y0, 0)
    page.screenshot(path=path, clip={"x": left, "y": top, "width": x1 - left, "height": y1 - top})


def pixel_change(before: Path, after: Path, diff_path: Path) -> tuple[float, float]:
    """(mean absolute difference in 0..255, fraction of pixels that changed by more than 16 levels)."""
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(before).convert("RGB"), dtype=np.int16)
    b = np.asarray(Image.open(after).convert("RGB"), dtype=np.int16)
    if a.shape != b.shape:  # the widget resized: compare what both show
        h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        a, b = a[:h, :w], b[:h, :w]
    d = np.abs(a - b)
    Image.fromarray(np.clip(d * 4, 0, 255).astype(np.uint8)).save(diff_path)
    return float(d.mean()), float((d.max(axis=2) > 16).mean())


def assert_face_changed(shots, t_open: float, t_run: float, value_before, value_after) -> None:
    """Record the timings and check that dragging Smiling redrew the face (``face_before/after.png`` in ``shots``):
    the same picture redrawn differs by exactly 0, a new face by far more than 1 level on average."""
    mean, changed = pixel_change(shots / "face_before.png", shots / "face_after.png", shots / "face_diff.png")
    (shots / "timing.txt").write_text(
        f"open {t_open:.1f} s, run all {t_run:.1f} s, Smiling {value_before} -> {value_after}, "
        f"mean pixel change {mean:.2f}/255, {changed:.1%} of pixels changed\n"
    )
    assert mean >= 1.0, (
        f"moving Smiling from {value_before} to {value_after} barely changed the face "
        f"(mean difference {mean:.2f}/255, {changed:.1%} of pixels changed by more than 16 levels); see {shots}"
    )
