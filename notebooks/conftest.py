"""Notebook tests: draw the default synthetic faces once, before the first notebook runs.

Drawing them takes about 10 s on 2 cores. Inside a notebook cell, the progress bar sends over a
thousand widget messages, and nbval gives up on a cell whose output falls silent for 5 s — which
happened on a loaded machine. Here it is the same call the notebooks make, done outside any cell.
"""

from vae_tutorial import data, settings


def pytest_runtest_setup(item):
    if str(item.fspath).endswith(".ipynb"):
        data.resolve(settings.load())
