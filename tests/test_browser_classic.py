"""The attribute sliders with Colab's ipywidgets 7, in a real browser: the classic Jupyter Notebook 6.5.

Colab's own front end cannot run here; the nearest one that can is Jupyter Notebook 6.5 (Colab's
``notebook`` package) with ipywidgets 7.7.1 and widgetsnbextension 3.6, all from the environment at
Colab's versions (``tests/pyenvs.py``, built by ``tests/test_colab.py`` too). As in
``tests/test_browser.py``: open notebook 05, run all cells, drag the "Smiling" slider (ipywidgets 7 draws
a jQuery UI slider) with the mouse to 0 and then to 1, and check that the face's pixels changed and no
cell showed an error. Marked ``browser`` (it runs last, after ``tests/test_colab.py`` has executed the
notebooks in that environment, so notebook 05 finds the model notebook 03 trained there). Screenshots
go to ``tests/artifacts/browser-classic/``.
"""

from __future__ import annotations

import re
import time

import pyenvs
import pytest
from browsing import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    RUN_ALL_TIMEOUT_S,
    UI_TIMEOUT_MS,
    assert_face_changed,
    drag_slider,
    free_port,
    jupyter_dirs,
    need_browser,
    number,
    server,
    sync_playwright,
    wait_image_settled,
)
from pyenvs import REPO

from vae_tutorial.widgets import ATTRIBUTE_RANGE  # the attribute sliders' min and max

pytestmark = pytest.mark.browser

NOTEBOOK = "notebooks/05_attribute_sliders.ipynb"
SHOTS = ARTIFACTS / "browser-classic"
SLIDER, FACE = ".vae-slider-Smiling", ".vae-face"  # the hooks vae_tutorial.widgets gives the page

# Read in the page: each code cell's prompt ("In [3]:", "In [*]:"), the kernel's state, error outputs.
_STATE_JS = """() => {
  const prompts = [...document.querySelectorAll('.code_cell .input_prompt')].map(p => p.textContent.trim());
  const errors = [...document.querySelectorAll('.output_error, .output_stderr')].map(o => o.textContent);
  const widgetErrors = [...document.querySelectorAll('.output_area')].map(o => o.textContent)
      .filter(t => /Error (displaying|rendering) widget|Failed to display Jupyter Widget/.test(t));
  const idle = !!document.querySelector('#kernel_indicator_icon.kernel_idle_icon');
  return {prompts, errors, widgetErrors, idle};
}"""
_ERROR_RE = re.compile(r"Traceback \(most recent call last\)|^\s*[A-Za-z_.]*(Error|Exception)\b.*:", re.M)


@pytest.fixture(scope="module")
def classic(tmp_path_factory):
    """Colab's Notebook 6.5 server on a free localhost port, no token; yields its URL."""
    need_browser()
    python = pyenvs.colab()
    have = pyenvs.installed(python)
    shown = (have["notebook"][:4], have["ipywidgets"][:2], have["widgetsnbextension"][:4])
    assert shown == ("6.5.", "7.", "3.6."), f"not Colab's front-end packages: {shown}"
    env = jupyter_dirs(tmp_path_factory.mktemp("notebook"), pyenvs.environ(python))
    port = free_port()
    cmd = [python, "-m", "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
           "--NotebookApp.token=", "--NotebookApp.password=", f"--NotebookApp.notebook_dir={REPO}"]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with server(cmd, env, REPO, url, SHOTS / "notebook.log", "Jupyter Notebook 6.5"):
        yield url


def _errors(state: dict) -> list[str]:
    return [t for t in state["errors"] if _ERROR_RE.search(t)] + state["widgetErrors"]


def _run_all_and_wait(page) -> dict:
    page.evaluate("() => Jupyter.notebook.clear_all_output()")  # every prompt empty, every output new
    page.locator("#celllink").click()  # Cell → Run All, as a reader does
    page.locator("#run_all_cells").click()
    deadline = time.monotonic() + RUN_ALL_TIMEOUT_S
    while True:
        state = page.evaluate(_STATE_JS)
        if _errors(state) or (state["idle"] and all(re.fullmatch(r"In\s*\[\d+\]:", p) for p in state["prompts"])):
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"notebook did not finish within {RUN_ALL_TIMEOUT_S:.0f} s; prompts: {state['prompts']}")
        page.wait_for_timeout(1000)


def _drag(page, slider, value: float) -> tuple[str, bool]:
    """Drag an ipywidgets 7 slider (jQuery UI) with the mouse to ``value``."""
    handle, track = slider.locator(".ui-slider-handle"), slider.locator(".ui-slider")
    return drag_slider(page, handle, track, slider.locator(".widget-readout"), ATTRIBUTE_RANGE, value)


def test_smiling_slider_redraws_the_face_with_ipywidgets_7(classic):
    original = (REPO / NOTEBOOK).read_bytes()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.on("console",
                    lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            t0 = time.monotonic()
            page.goto(f"{classic}/notebooks/{NOTEBOOK}")
            page.wait_for_function("() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
                                   " && Jupyter.notebook.kernel.is_connected()"
                                   " && !!document.querySelector('#kernel_indicator_icon.kernel_idle_icon')")
            page.evaluate("() => Jupyter.notebook.set_autosave_interval(0)")  # the committed notebook stays as it is
            t_open = time.monotonic() - t0

            state = _run_all_and_wait(page)
            t_run = time.monotonic() - t0 - t_open
            page.screenshot(path=SHOTS / "ran_all.png", full_page=True)
            assert not _errors(state), "a cell showed an error:\n" + "\n---\n".join(e[-2000:] for e in _errors(state))

            slider, face = page.locator(SLIDER), page.locator(FACE)
            assert slider.count() == 1, f"expected one {SLIDER} widget on the page, found {slider.count()}"
            assert face.count() == 1, f"expected one {FACE} image on the page, found {face.count()}"
            slider.scroll_into_view_if_needed()
            src = wait_image_settled(page, face, None)
            value_before, moved = _drag(page, slider, 0.0)
            if moved:
                src = wait_image_settled(page, face, src)
            face.screenshot(path=SHOTS / "face_before.png")
            value_after, moved = _drag(page, slider, 1.0)
            assert moved and abs(number(value_after) - 1.0) <= 0.1, (
                f"dragging Smiling from {value_before} towards 1 left it at {value_after}"
            )
            wait_image_settled(page, face, src)
            face.screenshot(path=SHOTS / "face_after.png")
            page.screenshot(path=SHOTS / "after.png")
            errors = _errors(page.evaluate(_STATE_JS))
            assert not errors, "an error appeared after moving the slider:\n" + "\n---\n".join(errors)
        finally:
            (SHOTS / "console.log").write_text("\n".join(console))
            browser.close()
            if (REPO / NOTEBOOK).read_bytes() != original:  # belt and braces: autosave is off
                (REPO / NOTEBOOK).write_bytes(original)

    assert_face_changed(SHOTS, t_open, t_run, value_before, value_after)
