"""How fast the served app takes in a slider move while a rigorous ladder trains.

Serves app.py, opens it in headless Chromium, starts the 55-network ladder on the
latent task (about half a minute to a minute on a 2-core CPU) and, while it trains,
moves the k_z slider with the keyboard (ArrowRight / ArrowLeft on its handle) `--moves`
times. For each move it measures, in the page's own clock, the time from the key
press to the moment the server's rewrite of the page URL (``?kz=...``, sent by
``Location.sync`` once the Python side has set the new value) reaches the browser.
That is a full round trip, so it bounds the time until Python sees the value from
above. The same moves on the idle app give the baseline. Target: median under 0.5 s.

    python benchmarks/ui_latency.py [--moves 10] [--gap 1.5]
"""
from __future__ import annotations

import argparse
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.browser.app_page import AppPage, launch_chromium, new_context, served_app  # noqa: E402

TARGET_S = 0.5
#: A ladder that keeps training for the whole measurement: latent task K = 100, N = 4000, 55 networks.
SETTINGS = {"source": "latent", "n_samples": 4000, "dim": 100, "latent_dim": 10, "mi": 3, "mode": "rigorous",
            "max_gamma": 10, "epochs": 50, "kz": 32, "baselines": False}
SLIDER = "Kz"
PARAM = "kz"

#: Time stamps (performance.now(), ms) of key presses and of every URL the page is told to show.
URL_LOG = r"""
window.__mpLog = {keys: [], urls: []};
window.addEventListener('keydown', () => window.__mpLog.keys.push(performance.now()), true);
for (const name of ['pushState', 'replaceState']) {
  const original = history[name].bind(history);
  history[name] = (state, title, url) => {
    window.__mpLog.urls.push([performance.now(), String(url)]);
    return original(state, title, url);
  };
}
"""


def url_value(url: str, name: str) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(url).query).get(name)
    return values[-1] if values else None


def move(app: AppPage, key: str, target: int, timeout_ms: int = 30_000) -> float:
    """Press `key` on the slider handle; seconds until the URL carries `target`."""
    page = app.page
    handle = app.slider_handle(SLIDER)
    handle.focus()
    n_keys = page.evaluate("() => window.__mpLog.keys.length")
    handle.press(key)
    page.wait_for_function(
        """([name, target, n]) => {
             const log = window.__mpLog;
             if (log.keys.length <= n) return false;
             const t0 = log.keys[n];
             return log.urls.some(([t, url]) => t >= t0 &&
               new URL(url, location.href).searchParams.get(name) === target);
           }""", arg=[PARAM, str(target), n_keys], polling="raf", timeout=timeout_ms)
    t0, urls = page.evaluate("(n) => [window.__mpLog.keys[n], window.__mpLog.urls]", n_keys)
    t1 = min(t for t, url in urls if t >= t0 and url_value(url, PARAM) == str(target))
    return (t1 - t0) / 1000.0


def measure(app: AppPage, moves: int, gap: float, label: str, during_run: bool) -> list[float]:
    value = int(SETTINGS["kz"])
    out = []
    for i in range(moves):
        key, value = ("ArrowRight", value + 1) if i % 2 == 0 else ("ArrowLeft", value - 1)
        status = app.page.evaluate("() => window.__mp.status()")
        if during_run and status not in ("running", "paused"):
            print(f"  the run ended ({status}) after {i} moves; use more epochs for more moves")
            break
        latency = move(app, key, value)
        progress = app.text(app.page.locator(".mp-progress-text")) if during_run else ""
        print(f"  {label} move {i + 1:2d} ({key:10s} {PARAM}={value}): {latency * 1000:7.1f} ms"
              + (f"   [{status}; {progress}]" if during_run else ""))
        out.append(latency)
        time.sleep(gap)
    return out


def summary(label: str, values: list[float]) -> None:
    if not values:
        print(f"{label}: no measurements")
        return
    med = statistics.median(values)
    print(f"{label}: median {med * 1000:.1f} ms, max {max(values) * 1000:.1f} ms over {len(values)} moves "
          f"-> {'OK' if med < TARGET_S else 'ABOVE'} the {TARGET_S * 1000:.0f} ms target")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--gap", type=float, default=1.5, help="seconds between moves")
    parser.add_argument("--app", default="app.py", help="app script to serve (default: the repository's app.py)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the server is stopped on the way out

    with served_app(script=args.app) as url, sync_playwright() as p:
        browser = launch_chromium(p)
        context = new_context(browser)
        context.add_init_script(URL_LOG)
        page = context.new_page()
        page.set_default_timeout(60_000)
        app = AppPage(page, url).open(SETTINGS)

        print(f"idle app, {SLIDER} slider:")
        idle = measure(app, min(args.moves, 6), 0.3, "idle", during_run=False)

        start = time.perf_counter()
        runs_before = app.run()
        expect(app.status).to_have_text("running", timeout=60_000)
        page.wait_for_function("() => window.__mp.trainingPoints() > 0", timeout=120_000)
        print(f"training started after {time.perf_counter() - start:.1f} s; moving the slider:")
        busy = measure(app, args.moves, args.gap, "training", during_run=True)
        status = app.wait_until_ended(runs_before, timeout_ms=900_000)
        print(f"the ladder ended ({status}) after {time.perf_counter() - start:.1f} s")
        if app.page_errors:
            print("page errors:", *app.page_errors, sep="\n  ")
        context.close()
        browser.close()

    print()
    summary("idle    ", idle)
    summary("training", busy)
    return 0 if busy and statistics.median(busy) < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
