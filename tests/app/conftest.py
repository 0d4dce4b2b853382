"""Shared fixtures: real Panel objects and the real engine, at sizes that train in a second."""
from __future__ import annotations

import pytest

#: A small, quick problem: 2 correlated Gaussian pairs, tiny networks, few epochs.
TINY = {"source": "gaussian", "dim": "2", "mi": "1.0", "n_samples": "256", "epochs": "4", "kz": "8",
        "hidden": "16", "depth": "1", "batch_size": "64", "lr": "0.003", "baselines": "false"}


@pytest.fixture
def tiny_query() -> dict:
    return dict(TINY)


@pytest.fixture
def dashboard():
    from mipanel.app.dashboard import Dashboard

    dash = Dashboard(query=TINY, sync_url=False)
    yield dash
    if dash.runner.busy:
        dash.stop()
        dash.runner.join(10)
