"""Serving the app and driving it in headless Chromium (shared by the browser tests,
the UI-latency benchmark and the screenshot script).

- `served_app()` runs `panel serve app.py` on a free local port and yields the URL;
- `launch_chromium(p)` starts Debian's Chromium through Playwright (never a downloaded browser);
- `AppPage` wraps a Playwright page with the dashboard's stable CSS hooks
  (``mp-run``, ``mp-status``, ...) and a few Bokeh-model queries.

Only 127.0.0.1 is ever contacted: every other request the page makes (web fonts) is aborted.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator, Mapping

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

#: Time allowed for the server to answer (s), a page to load and a short run to end (ms).
SERVER_TIMEOUT = 120
LOAD_TIMEOUT_MS = 90_000
RUN_TIMEOUT_MS = 150_000

#: Functions the page gets before its own scripts: queries through shadow roots and Bokeh models.
PAGE_SCRIPT = r"""
window.__mp = {
  // Every element matching `sel`, in the document and in every (open) shadow root.
  all(sel) {
    const out = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.matches(sel)) out.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return out;
  },
  // The visible text of `el`, shadow roots included (style and script elements left out).
  text(el) {
    const parts = [];
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
      if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
      if (['STYLE', 'SCRIPT', 'LINK'].includes(node.nodeName)) return;
      if (node.shadowRoot) walk(node.shadowRoot);
      for (const child of node.childNodes) walk(child);
    };
    walk(el);
    return parts.join(' ').replace(/\s+/g, ' ').trim();
  },
  status() {
    const badge = this.all('.mp-badge')[0];  // the status badge, inside .mp-status
    return badge ? badge.textContent.trim() : null;
  },
  // The Bokeh models (figures) whose css_classes hold `cls`.
  models(cls) {
    const out = [];
    if (!window.Bokeh || !window.Bokeh.documents) return out;
    for (const doc of window.Bokeh.documents)
      for (const m of doc._all_models.values())
        if (Array.isArray(m.css_classes) && m.css_classes.includes(cls)) out.push(m);
    return out;
  },
  // Per data source of the figure(s) with css class `cls`: its columns and finite values of `col`.
  sources(cls, col) {
    const out = [];
    for (const fig of this.models(cls)) {
      for (const r of (fig.renderers || [])) {
        const ds = r.data_source;
        if (!ds || !ds.data) continue;
        const data = ds.data instanceof Map ? Object.fromEntries(ds.data) : ds.data;
        const values = data[col];
        const finite = values ? Array.from(values).filter((v) => Number.isFinite(v)).length : 0;
        out.push({figure: fig.id, columns: Object.keys(data), length: ds.get_length() ?? 0, finite});
      }
    }
    return out;
  },
  // Rows of the run-history table (one per finished, stopped or failed run).
  historyRuns() {
    let n = 0;
    for (const m of this.models('mp-history'))
      if (m.source && m.source.get_length) n = Math.max(n, m.source.get_length() ?? 0);
    return n;
  },
  // The most finite `mi` values in one epoch-indexed curve of the training plot.
  trainingPoints() {
    let best = 0;
    for (const s of this.sources('mp-training-plot', 'mi'))
      if (s.columns.includes('epoch')) best = Math.max(best, s.finite);
    return best;
  },
};
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    with opener.open(url, timeout=timeout) as response:
        return response.status


@contextlib.contextmanager
def served_app(log_path: str | os.PathLike | None = None, timeout: float = SERVER_TIMEOUT,
               script: str | os.PathLike = "app.py") -> Iterator[str]:
    """Serve `script` (the repository's app.py) on 127.0.0.1, a free port, from the repository root;
    yield the app's URL. The server's whole process group is killed on exit."""
    port = free_port()
    name = Path(script).stem
    cmd = [sys.executable, "-m", "panel", "serve", str(script), "--port", str(port), "--address", "127.0.0.1",
           "--allow-websocket-origin", f"127.0.0.1:{port}", "--num-threads", "0"]
    if log_path is None:
        log_path = Path(tempfile.mkdtemp(prefix="mipanel-serve-")) / "panel-serve.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/{name}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"panel serve exited with {proc.returncode}:\n{Path(log_path).read_text()}")
            try:
                if _get(url) == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"panel serve did not answer within {timeout} s:\n{Path(log_path).read_text()}")
            time.sleep(0.25)
        yield url
    finally:
        _kill_group(proc)
        log.close()


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def chromium_path() -> str | None:
    return shutil.which("chromium")


def launch_chromium(playwright):
    """Debian's Chromium, headless (Playwright's own browser downloads are never used)."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def local_only(route) -> None:
    """Let requests to 127.0.0.1 through and abort the rest (the template's web fonts)."""
    host = urllib.parse.urlsplit(route.request.url).hostname
    if host == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def new_context(browser, width: int = 1400, height: int = 900, **kwargs):
    context = browser.new_context(viewport={"width": width, "height": height}, **kwargs)
    context.route("**/*", local_only)
    context.add_init_script(PAGE_SCRIPT)
    return context


def label_pattern(label: str) -> re.Pattern:
    return re.compile(r"^\s*" + re.escape(label) + r"\s*:?\s*$")


class AppPage:
    """One browser tab on the dashboard."""

    def __init__(self, page, url: str) -> None:
        self.page, self.url = page, url
        self.page_errors: list[str] = []
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))

    # ------------------------------------------------------------------ navigation
    def open(self, query: Mapping[str, object] | str | None = None) -> "AppPage":
        """Load the app with the given URL query and wait until the session is live (status idle)."""
        from playwright.sync_api import expect

        if isinstance(query, Mapping):
            query = urllib.parse.urlencode({k: str(v).lower() if isinstance(v, bool) else v
                                            for k, v in query.items()})
        self.page.goto(self.url + (f"?{query}" if query else ""), timeout=LOAD_TIMEOUT_MS)
        expect(self.status).to_have_text("idle", timeout=LOAD_TIMEOUT_MS)
        expect(self.run_button).to_be_enabled(timeout=LOAD_TIMEOUT_MS)
        return self

    def query(self) -> dict[str, str]:
        """The page's current URL query (the server rewrites it when a setting changes)."""
        search = self.page.evaluate("() => window.location.search")
        return {k: v[-1] for k, v in urllib.parse.parse_qs(search.lstrip("?")).items()}

    # ------------------------------------------------------------------ hooks
    def hook(self, name: str):
        return self.page.locator(f".{name}")

    @property
    def status(self):
        return self.page.locator(".mp-status .mp-badge")

    @property
    def run_button(self):
        return self.page.locator(".mp-run button")

    @property
    def stop_button(self):
        return self.page.locator(".mp-stop button")

    @property
    def pause_button(self):
        return self.page.locator(".mp-pause button")

    @property
    def value(self):
        """The headline number of the result card."""
        return self.page.locator(".mp-result .mp-value")

    @property
    def unit(self):
        return self.page.locator(".mp-result .mp-unit")

    @property
    def verdict(self):
        return self.page.locator(".mp-verdict")

    @staticmethod
    def text(locator) -> str:
        """All text inside `locator`'s element, through shadow roots (for messages and reports)."""
        return locator.first.evaluate("(el) => window.__mp.text(el)")

    @property
    def error(self):
        return self.page.locator(".mp-error")

    # ------------------------------------------------------------------ widgets by label
    def _column(self, label: str):
        """The innermost layout column holding the text `label` (an editable slider and its label)."""
        div = self.page.locator(".bk-Div").filter(has_text=label_pattern(label))
        return self.page.locator(".bk-panel-models-layout-Column").filter(has=div).last

    def number_input(self, label: str):
        """The text box of the editable slider labelled `label` (e.g. 'Epochs', 'Kz', 'N samples')."""
        return self._column(label).locator(".bk-Spinner input.bk-input").first

    def slider_handle(self, label: str):
        return self._column(label).locator(".noUi-handle").first

    def select(self, label: str):
        """The <select> of the Select widget labelled `label` (e.g. 'Estimator', 'Mode', 'Data')."""
        widget = self.page.locator(".bk-panel-models-widgets-CustomSelect").filter(
            has=self.page.locator("label").filter(has_text=label_pattern(label)))
        return widget.locator("select").first

    def set_number(self, label: str, value) -> None:
        box = self.number_input(label)
        box.fill(str(value))
        box.press("Enter")

    def choose_source(self, startswith: str) -> None:
        """Pick the data source whose menu label starts with `startswith` (e.g. 'Upload')."""
        select = self.page.locator(".mp-source select")
        labels = select.locator("option").all_text_contents()
        label = next(text for text in labels if text.startswith(startswith))
        select.select_option(label=label)

    # ------------------------------------------------------------------ uploads
    def upload(self, path: str | os.PathLike) -> None:
        self.page.locator(".mp-upload input[type=file]").set_input_files(str(path))

    def chosen(self, which: str) -> list[str]:
        """The arrays or columns picked in the X ('x') or Y ('y') selector."""
        items = self.page.locator(f".mp-{which}-select .choices__list--multiple .choices__item")
        return [items.nth(i).get_attribute("data-value") for i in range(items.count())]

    def unpick(self, which: str, name: str) -> None:
        self.page.locator(f".mp-{which}-select .choices__list--multiple "
                          f".choices__item[data-value='{name}'] .choices__button").click()

    def pick(self, which: str, name: str) -> None:
        self.page.locator(f".mp-{which}-select input.choices__input--cloned").click()
        self.page.locator(f".mp-{which}-select .choices__list--dropdown "
                          f".choices__item--choice[data-value='{name}']").click()
        self.page.keyboard.press("Escape")

    # ------------------------------------------------------------------ runs
    def history_runs(self) -> int:
        return int(self.page.evaluate("() => window.__mp.historyRuns()"))

    def run(self) -> int:
        """Press Run; returns how many runs the history held before (for `wait_until_ended`)."""
        from playwright.sync_api import expect

        expect(self.run_button).to_be_enabled(timeout=RUN_TIMEOUT_MS)
        before = self.history_runs()
        self.run_button.click()
        return before

    def wait_until_ended(self, runs_before: int, timeout_ms: int = RUN_TIMEOUT_MS, record: bool = False) -> str:
        """Wait until the run started after `runs_before` history rows has ended (done, stopped or
        error) and return that status. With `record`, (status, training points) samples are kept in
        window.__mpSeen while waiting."""
        self.page.wait_for_function(
            """([before, record]) => {
                 const s = window.__mp.status();
                 if (record) (window.__mpSeen = window.__mpSeen || []).push([s, window.__mp.trainingPoints()]);
                 return window.__mp.historyRuns() > before && !['idle', 'running', 'paused'].includes(s);
               }""", arg=[runs_before, record], polling=100, timeout=timeout_ms)
        return self.status.text_content().strip()

    def run_to_end(self, timeout_ms: int = RUN_TIMEOUT_MS) -> str:
        return self.wait_until_ended(self.run(), timeout_ms)

    def training_points(self) -> int:
        return int(self.page.evaluate("() => window.__mp.trainingPoints()"))

    def sources(self, css_class: str, column: str = "mi") -> list[dict]:
        return self.page.evaluate("([c, col]) => window.__mp.sources(c, col)", [css_class, column])
