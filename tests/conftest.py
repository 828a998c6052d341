

# --- browser test ordering (tests/test_browser.py) -------------------------------------------
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
    last = [item for item in items if item.get_closest_marker("browser")]
    if last:
        items[:] = [item for item in items if not item.get_closest_marker("browser")] + last
