"""The app served by a real Panel server: one dashboard per session, the URL preset,
the periodic drain, and a closed session stopping its run.

No browser here: a session is opened with an HTTP request, and the page's
`document_ready` (which marks a session connected) is imitated.
"""
from __future__ import annotations

import socket
import time
import urllib.request

import panel as pn
import pytest
from panel.io.state import set_curdoc

from mipanel.app.dashboard import Dashboard


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(request):
    lifetime_ms = getattr(request, "param", 60_000)  # how long a session without a browser lives
    made = []

    def page():
        dash = Dashboard()
        made.append((dash, pn.state.curdoc))
        return pn.Row(dash.sidebar, dash.main)

    port = _free_port()
    server = pn.serve({"app": page}, port=port, threaded=True, show=False, start=True,
                      unused_session_lifetime_milliseconds=lifetime_ms, check_unused_sessions_milliseconds=300)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("localhost", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://localhost:{port}/app", made
    server.stop()


def _click_run(dash, doc) -> None:
    def click():
        with set_curdoc(doc):
            pn.state._connected[doc] = True  # the browser's document_ready
            dash.run_button.clicks += 1
    doc.add_next_tick_callback(click)


def _wait(predicate, timeout=60.0):
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError
        time.sleep(0.05)


def test_each_session_has_its_own_dashboard_preset_by_its_link_and_drained_by_the_server(served):
    url, made = served
    query = "source=gaussian&dim=2&n_samples=256&epochs=3&kz=8&hidden=16&batch_size=64&baselines=false"
    assert urllib.request.urlopen(f"{url}?{query}&mode=rigorous").status == 200
    assert urllib.request.urlopen(f"{url}?source=latent&n_samples=300&dim=20").status == 200
    (first, doc), (second, _) = made
    assert first is not second and first.options.mode == "rigorous" and first.settings.epochs == 3
    assert second.data.source == "latent" and second.data.dataset.dim_x == 20
    _click_run(first, doc)
    _wait(lambda: first.status in ("done", "error"))
    assert first.status == "done" and len(first.monitor.curves) == 55 and first.history.records
    assert second.status == "idle"


@pytest.mark.parametrize("served", [1500], indirect=True)
def test_closing_the_session_stops_its_run(served):
    url, made = served
    urllib.request.urlopen(f"{url}?source=gaussian&dim=2&n_samples=512&epochs=2000&kz=8&hidden=16").read()
    dash, doc = made[0]
    _click_run(dash, doc)
    _wait(lambda: dash.runner.control is not None)
    _wait(lambda: dash.runner.control.stopped, timeout=30)  # the unused session expires
    dash.runner.join(30)
    assert not dash.runner._thread.is_alive()
