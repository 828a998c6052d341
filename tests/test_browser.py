"""The attribute sliders in a real browser: JupyterLab, driven by Playwright in Debian's Chromium.

What a reader does, done by a robot: start JupyterLab, open notebook 05, run all cells, drag the
"Smiling" slider with the mouse to 0 and then to 1, and see the face change. The test asserts that
the face image's pixels changed between the two screenshots and that no cell showed an error; the
screenshots stay in ``tests/artifacts/browser/`` (git-ignored) for a person to look at.

- Browser: Debian's Chromium through Playwright (``tests/browsing.py``, shared with
  ``tests/test_browser_classic.py``, the same test in Colab's classic Notebook with ipywidgets 7).
- Order: marked ``browser``, which ``tests/conftest.py`` moves to the very end of the session, after
  the notebooks. Notebook 03 then has already trained the model that notebook 05 loads, so this
  test takes one or two minutes. Run alone, notebook 05 trains the model itself first (a few minutes on
  a CPU); ``VAE_TUTORIAL_BROWSER_TIMEOUT`` (seconds, default 900) bounds the run-all.
- ``VAE_TUTORIAL_UPDATE_DOCS=1`` also copies the slider screenshot to ``docs/slider.png`` (the
  README's picture).
- ``VAE_TUTORIAL_BROWSER_NOTEBOOK=path.ipynb`` drives another notebook with the same CSS hooks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

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
    shot_region,
    sync_playwright,
    wait_image_settled,
)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "05_attribute_sliders.ipynb"
SHOTS = ARTIFACTS / "browser"
DOCS_SCREENSHOT = REPO / "docs" / "slider.png"

# The hooks notebook 05 (via vae_tutorial.widgets) gives the page.
SLIDER = ".vae-slider-Smiling"
FACE = ".vae-face"
EXPLORER = ".vae-explorer"  # the whole interface, if there is one: the README's picture

# JupyterLab settings for a quiet, deterministic page: no news pop-up, no update check, no
# autosave (the committed notebook must stay as it is), every cell in the DOM (no windowing).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _target() -> tuple[Path, str]:
    """(root folder for JupyterLab, notebook path relative to it)."""
    override = os.environ.get("VAE_TUTORIAL_BROWSER_NOTEBOOK")
    notebook = Path(override).resolve() if override else NOTEBOOK
    if not notebook.exists():
        pytest.fail(f"{notebook} does not exist")
    root = REPO if notebook.is_relative_to(REPO) else notebook.parent
    return root, notebook.relative_to(root).as_posix()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free localhost port, no token, isolated config; yields (url, root, notebook)."""
    need_browser()
    root, notebook = _target()
    home = tmp_path_factory.mktemp("jupyter")
    env = dict(jupyter_dirs(home, dict(os.environ)), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))  # fmt: skip
    for rel, values in LAB_SETTINGS.items():
        path = home / "settings" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = free_port()
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
        "--IdentityProvider.token=", f"--ServerApp.root_dir={root}",  # no token; the config dir has no password
        "--LabApp.news_url=None",  # no news feed, so no "get notified about news?" pop-up
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with server(cmd, env, root, url, SHOTS / "jupyterlab.log", "JupyterLab"):
        yield url, root, notebook


# Read in the page: each code cell's prompt ("[3]:", "[*]:", "[ ]:") and the text of stderr/error outputs.
_STATE_JS = """() => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')];
  const prompts = cells.map(c => (c.querySelector('.jp-InputPrompt')?.textContent || '').trim());
  const stderr = [...document.querySelectorAll(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
      .map(o => o.textContent);
  const widgetErrors = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
      .map(o => o.textContent).filter(t => t.includes('Error displaying widget'));
  const status = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator')
      ?.getAttribute('data-status') || '';
  return {prompts, stderr, widgetErrors, status};
}"""

# What an error looks like in an output: an IPython traceback, or "SomethingError: ..." on its own line.
_ERROR_RE = re.compile(r"Traceback \(most recent call last\)|^\s*[A-Za-z_.]*(Error|Exception)\b.*:", re.M)


def _errors(state: dict) -> list[str]:
    return [t for t in state["stderr"] if _ERROR_RE.search(t)] + state["widgetErrors"]


def _dismiss_dialogs(page) -> None:
    """Accept any dialog (e.g. 'Select Kernel', which offers the notebook's own kernel by default)."""
    for _ in range(3):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count():
            return
        dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()
        page.wait_for_timeout(500)


def _wait_kernel_ready(page) -> None:
    """Wait until the notebook has a kernel that reports idle twice in a row, one second apart.

    While a notebook opens its indicator says "idle" once before any kernel exists (then
    "initializing", "connecting", "idle"), so one reading is not enough.
    """
    deadline, idle_polls = time.monotonic() + UI_TIMEOUT_MS / 1000, 0
    while idle_polls < 2:
        _dismiss_dialogs(page)
        name, status = page.evaluate(
            "() => [document.querySelector('.jp-NotebookPanel .jp-KernelName')?.textContent?.trim() || '',"
            " document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator')?.getAttribute('data-status')]"
        )
        idle_polls = idle_polls + 1 if name not in ("", "No Kernel") and status == "idle" else 0
        if time.monotonic() > deadline:
            pytest.fail(f"the notebook's kernel did not become ready (kernel {name!r}, status {status!r})")
        page.wait_for_timeout(1000)


def _menu(page, menu: str, command: str) -> None:
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').click()


def _run_all_and_wait(page) -> dict:
    _menu(page, "Edit", "editmenu:clear-all")  # so every prompt is empty and every output is new
    page.wait_for_function("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                           ".every(p => !/\\d/.test(p.textContent))", timeout=UI_TIMEOUT_MS)  # fmt: skip
    _menu(page, "Run", "runmenu:run-all")
    deadline = time.monotonic() + RUN_ALL_TIMEOUT_S
    while True:
        state = page.evaluate(_STATE_JS)
        if _errors(state):
            return state
        done = all(re.fullmatch(r"\[\d+\]:", p) for p in state["prompts"])
        if done and state["status"] in ("idle", ""):
            return state
        if time.monotonic() > deadline:
            pytest.fail(
                f"notebook did not finish within {RUN_ALL_TIMEOUT_S:.0f} s (VAE_TUTORIAL_BROWSER_TIMEOUT); "
                f"prompts: {state['prompts']}, kernel: {state['status']!r}"
            )
        page.wait_for_timeout(1000)


def _drag(page, slider, value: float) -> tuple[str, bool]:
    """Drag an ipywidgets 8 slider (noUiSlider) with the mouse to ``value``; its bounds are on its handle."""
    handle = slider.locator(".noUi-handle")
    bounds = tuple(float(handle.get_attribute(a)) for a in ("aria-valuemin", "aria-valuemax"))
    return drag_slider(page, handle, slider.locator(".noUi-base"), slider.locator(".widget-readout"), bounds, value)


def test_smiling_slider_redraws_the_face(lab):
    url, root, notebook = lab
    original = (root / notebook).read_bytes()
    for old in SHOTS.glob("*.png"):
        old.unlink()

    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
            context.set_default_timeout(UI_TIMEOUT_MS)
            page = context.new_page()
            page.on("console",
                    lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))

            t0 = time.monotonic()
            page.goto(f"{url}/lab/tree/{notebook}")
            page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for()
            _wait_kernel_ready(page)
            page.screenshot(path=SHOTS / "lab_opened.png")
            t_open = time.monotonic() - t0

            state = _run_all_and_wait(page)
            t_run = time.monotonic() - t0 - t_open
            page.screenshot(path=SHOTS / "lab_ran_all.png", full_page=True)
            errors = _errors(state)
            assert not errors, "a cell showed an error:\n" + "\n---\n".join(e[-2000:] for e in errors)

            slider, face = page.locator(SLIDER), page.locator(FACE)
            assert slider.count() == 1, f"expected one {SLIDER} widget, found {slider.count()}"
            assert face.count() == 1, f"expected one {FACE} image, found {face.count()}"
            page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()  # more room for the notebook
            face.evaluate(f"el => (el.closest('{EXPLORER}') || el.closest('.jp-OutputArea') || el)"
                          ".scrollIntoView({block: 'center'})")
            slider.scroll_into_view_if_needed()
            src = wait_image_settled(page, face, None)

            # With the mouse, as a person would: Smiling to 0 (no smile), then to 1 (a smile).
            value_before, moved = _drag(page, slider, 0.0)
            if moved:
                src = wait_image_settled(page, face, src)
            face.screenshot(path=SHOTS / "face_before.png")
            region = [page.locator(EXPLORER)] if page.locator(EXPLORER).count() == 1 else [slider, face]
            shot_region(page, region, SHOTS / "slider_before.png", pad=0 if len(region) == 1 else 8)

            value_after, moved = _drag(page, slider, 1.0)
            assert moved and abs(number(value_after) - 1.0) <= 0.1, (
                f"dragging Smiling from {value_before} towards 1 left it at {value_after}"
            )
            wait_image_settled(page, face, src)
            face.screenshot(path=SHOTS / "face_after.png")
            shot_region(page, region, SHOTS / "slider_after.png", pad=0 if len(region) == 1 else 8)
            page.screenshot(path=SHOTS / "lab_after.png")

            state = page.evaluate(_STATE_JS)
            errors = _errors(state)
            assert not errors, "an error appeared after moving the slider:\n" + "\n---\n".join(errors)
        finally:
            (SHOTS / "console.log").write_text("\n".join(console))
            browser.close()
            if (root / notebook).read_bytes() != original:  # belt and braces: autosave is off
                (root / notebook).write_bytes(original)

    assert_face_changed(SHOTS, t_open, t_run, value_before, value_after)
    if os.environ.get("VAE_TUTORIAL_UPDATE_DOCS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(SHOTS / "slider_after.png", DOCS_SCREENSHOT)
