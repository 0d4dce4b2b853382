"""Make assets/screenshot.png: the app after a rigorous run on the latent task.

    python -m tests.browser.screenshot [--out assets/screenshot.png]

Serves app.py locally, opens it in headless Chromium (1400 px wide) with the settings
below in the URL, runs the bias-corrected ladder, waits until the ladder, the training
curves and the result card are drawn, and saves one view of the page, as tall as it
takes to show the toolbar, the result card, the training curves and the whole ladder.
"""
from __future__ import annotations

import argparse
import io
import re
import signal
import sys
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from .app_page import ROOT, AppPage, launch_chromium, new_context, served_app

#: Latent task (K = 100, K_Z = 10, 3 bits), N = 4000, the full 55-network ladder, 20 epochs.
SETTINGS = {"source": "latent", "n_samples": 4000, "dim": 100, "latent_dim": 10, "mi": 3, "mapping": "nonlinear",
            "mode": "rigorous", "max_gamma": 10, "epochs": 20, "confidence": 0.95}
WIDTH, HEIGHT = 1400, 900
NUMBER = re.compile(r"^\s*-?\d+\.\d{3}\s*$")


def settle(page, frames: int = 5) -> None:
    """Let the browser finish painting (a few animation frames after the last update)."""
    page.evaluate("(n) => new Promise((done) => { const step = (k) => k ? requestAnimationFrame(() => step(k - 1)) "
                  ": done(); step(n); })", frames)


def shrink(png: bytes) -> bytes:
    """The PNG re-encoded with a 256-colour palette when Pillow is there (much smaller, same look)."""
    try:
        from PIL import Image
    except ImportError:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, "PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "assets" / "screenshot.png"))
    parser.add_argument("--app", default="app.py", help="app script to serve (default: the repository's app.py)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the server is stopped on the way out
    with served_app(script=args.app) as url, sync_playwright() as p:
        browser = launch_chromium(p)
        context = new_context(browser, WIDTH, HEIGHT)
        page = context.new_page()
        app = AppPage(page, url).open(SETTINGS)
        start = time.perf_counter()
        status = app.run_to_end(timeout_ms=900_000)
        print(f"run ended: {status} after {time.perf_counter() - start:.1f} s")
        if status != "done":
            raise SystemExit(f"the run ended with status {status!r}: {app.text(app.error)}")
        expect(app.value).to_have_text(NUMBER)
        expect(app.hook("mp-ladder-plot")).to_be_visible()
        page.wait_for_function("() => window.__mp.sources('mp-ladder-plot', 'mi')"
                               ".some((s) => s.columns.includes('state') && s.finite >= 55)", timeout=60_000)
        expect(app.error).to_be_hidden()

        # Grow the view until the ladder's bottom edge is in it, then let the plots re-layout.
        box = app.hook("mp-ladder-plot").bounding_box()
        height = int(box["y"] + box["height"] + 24)
        page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, height)})
        settle(page)
        box = app.hook("mp-ladder-plot").bounding_box()
        page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, int(box["y"] + box["height"] + 24))})
        page.wait_for_function("() => window.__mp.status() === 'done'")
        settle(page)
        png = page.screenshot()
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(shrink(png))
        print(f"saved {out} ({out.stat().st_size / 1024:.0f} KiB, {WIDTH} x {page.viewport_size['height']}): "
              f"{app.value.text_content()} {app.unit.text_content()}; {app.text(app.verdict)[:100]}")
        context.close()
        browser.close()


if __name__ == "__main__":
    main()
