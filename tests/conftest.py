

import pyenvs
import pytest
from notebook_runs import NotebookRun


# --- test ordering ------------------------------------------------------------------------------
# The browser test opens notebook 05, which loads the model notebook 03 trains. pytest collects
# tests/ before notebooks/, so the test is moved to the very end of the session: after nbval has
# executed notebook 03 the trained run is in data/runs/ and the browser test takes about a minute
# instead of training a model of its own.
def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in a real Chromium; runs last, after the notebooks"
    )
    config.addinivalue_line("markers", "slow: executes whole notebooks on other data sets (about two minutes in all)")


def pytest_collection_modifyitems(config, items):
    """Colab's and Binder's tests run after the notebooks, their environments built meanwhile in the
    background (``pyenvs.prebuild``); the browser tests run last."""
    def rank(item) -> int:
        if item.get_closest_marker("browser"):
            return 2
        return 1 if item.path.name in ("test_colab.py", "test_binder.py") else 0

    items.sort(key=rank)  # stable: the order within each group stays
    if not config.option.collectonly and any(rank(item) == 1 for item in items):
        pyenvs.prebuild()


@pytest.fixture(scope="session")
def notebook_runs() -> dict[str, NotebookRun | BaseException]:
    """Every notebook run by Colab's Python and packages (with the widget and model tests) and by Binder's,
    both started at once; an environment that could not be made is there as its exception."""
    runs = {}
    for name, make, tests in [("colab", pyenvs.colab, ("tests/test_widgets.py", "tests/test_models.py")),
                              ("binder", pyenvs.binder, ())]:  # fmt: skip
        try:
            runs[name] = NotebookRun(make(), tests)
        except (Exception, pytest.skip.Exception, pytest.fail.Exception) as error:
            runs[name] = error
    yield runs
    for run in runs.values():
        if isinstance(run, NotebookRun):
            run.process.kill()
