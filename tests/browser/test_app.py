"""The served dashboard in headless Chromium: runs, live plots, stop, uploads, links, bad files, the ladder.

Every setting comes from the URL (see mipanel/app/url_state.py), at sizes that train in seconds.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect


NUMBER = re.compile(r"^\s*-?\d+\.\d{3}\s*$")
#: Quick estimator settings shared by most tests.
QUICK = {"hidden": 32, "depth": 1, "kz": 8, "batch_size": 64, "baselines": False}


def correlated(n: int, seed: int = 0, rho: float = 0.8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (n x 2), y (n x 2) with about 2 x 0.74 bits between them, and independent noise (n x 2)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=(n, 2))
    return x, y, rng.normal(size=(n, 2))


def expect_result(app, unit: str = "bits") -> float:
    expect(app.value).to_have_text(NUMBER, timeout=30_000)
    expect(app.unit).to_have_text(unit)
    return float(app.value.text_content())


@pytest.mark.browser
def test_single_estimate_plots_while_training_then_shows_the_result(app):
    app.open({"source": "latent", "n_samples": 2000, "dim": 50, "latent_dim": 4, "mi": 2, "epochs": 200,
              "kz": 16, "baselines": False})
    expect(app.value).to_have_count(0)  # no result yet: the card shows its placeholder
    assert app.training_points() == 0
    before = app.run()
    expect(app.status).to_have_text("running", timeout=30_000)
    expect(app.stop_button).to_be_enabled()
    expect(app.run_button).to_be_disabled()
    assert app.wait_until_ended(before, record=True) == "done"

    seen = app.page.evaluate("() => window.__mpSeen")
    live = [n for status, n in seen if status == "running" and n > 2]
    final = app.training_points()
    assert final == 200
    # the curves grew in the browser before the run ended
    assert len(set(live)) >= 2, seen
    assert live == sorted(live) and min(live) < final

    value = expect_result(app)
    assert 0.0 < value < 3.0
    expect(app.page.locator(".mp-result .mp-card-truth")).to_contain_text("true MI 2.000 bits")
    expect(app.verdict).to_contain_text("not bias-corrected")
    expect(app.page.locator(".mp-progress-text")).to_contain_text("200 of 200")
    expect(app.run_button).to_be_enabled()
    assert app.page_errors == []


@pytest.mark.browser
def test_stop_keeps_a_partial_result_and_the_app_usable(app):
    app.open({"source": "latent", "n_samples": 2000, "dim": 50, "latent_dim": 4, "epochs": 2000, **QUICK})
    before = app.run()
    expect(app.status).to_have_text("running", timeout=30_000)
    app.page.wait_for_function("() => window.__mp.trainingPoints() >= 5", polling=100, timeout=60_000)
    expect(app.stop_button).to_be_enabled()
    app.stop_button.click()
    assert app.wait_until_ended(before, timeout_ms=60_000) == "stopped"

    expect_result(app)
    expect(app.verdict).to_contain_text("stopped early, partial result")
    epochs_run = app.training_points()
    assert 5 <= epochs_run < 2000
    expect(app.stop_button).to_be_disabled()
    expect(app.pause_button).to_be_disabled()

    # the controls still answer: a shorter run from the same tab completes
    app.set_number("Epochs", 6)
    app.page.wait_for_function("() => new URLSearchParams(window.location.search).get('epochs') === '6'",
                               timeout=30_000)
    assert app.run_to_end() == "done"
    expect(app.verdict).not_to_contain_text("stopped early")
    expect_result(app)
    assert app.training_points() == 6
    assert app.history_runs() == 2
    assert app.page_errors == []


@pytest.mark.browser
def test_uploaded_npz_and_csv_with_chosen_arrays_and_columns(app, tmp_path):
    x, y, noise = correlated(600)
    npz = tmp_path / "pairs.npz"
    np.savez(npz, a=x, b=noise, c=y)  # suggested: X = a, Y = b (noise); the user picks Y = c
    csv = tmp_path / "table.csv"
    pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "noise": noise[:, 0], "y1": y[:, 0]}).to_csv(csv, index=False)

    app.open({"epochs": 20, **QUICK})
    app.choose_source("Upload")
    expect(app.hook("mp-upload")).to_be_visible()

    app.upload(npz)
    expect(app.page.locator(".mp-data-summary")).to_contain_text("pairs.npz", timeout=30_000)
    assert app.chosen("x") == ["a"] and app.chosen("y") == ["b"]
    app.unpick("y", "b")
    app.pick("y", "c")
    expect(app.page.locator(".mp-y-select .choices__list--multiple .choices__item")).to_have_count(1)
    assert app.chosen("y") == ["c"]
    summary = app.page.locator(".mp-data-summary")
    expect(summary).to_contain_text("N = 600 · X: 2 dims · Y: 2 dims")
    assert app.run_to_end() == "done"
    expect(app.page.locator(".mp-result .mp-card-kicker")).to_contain_text("pairs.npz")
    value_npz = expect_result(app)
    assert value_npz > 0.3  # the true MI is about 1.47 bits; noise would give about 0

    app.upload(csv)
    expect(summary).to_contain_text("table.csv", timeout=30_000)
    assert app.chosen("x") == ["x1", "x2"] and app.chosen("y") == ["noise", "y1"]
    app.unpick("y", "noise")
    expect(app.page.locator(".mp-y-select .choices__list--multiple .choices__item")).to_have_count(1)
    expect(summary).to_contain_text("X: 2 dims · Y: 1 dims")
    assert app.run_to_end() == "done"
    expect(app.page.locator(".mp-result .mp-card-kicker")).to_contain_text("table.csv")
    assert expect_result(app) > 0.2  # true MI about 0.74 bits
    expect(app.error).to_be_hidden()
    assert app.history_runs() == 2
    assert app.page_errors == []


@pytest.mark.browser
def test_a_link_sets_the_controls(app):
    app.open("source=gaussian&dim=3&mi=1.5&n_samples=700&data_seed=4&estimator=smile&kz=16&epochs=7"
             "&mode=rigorous&max_gamma=6&confidence=0.9")
    expect(app.page.locator(".mp-source select")).to_have_value(re.compile("Gaussian"))
    expect(app.number_input("Dim")).to_have_value("3")
    expect(app.number_input("Mi")).to_have_value("1.5")
    expect(app.number_input("N samples")).to_have_value("700")
    expect(app.select("Estimator")).to_have_value("smile")
    expect(app.number_input("Kz")).to_have_value("16")
    expect(app.number_input("Epochs")).to_have_value("7")
    expect(app.page.locator(".mp-mode select")).to_have_value(re.compile("^Rigorous"))
    expect(app.number_input("Confidence")).to_have_value("0.9")
    expect(app.number_input("Max gamma")).to_have_value("6")
    expect(app.page.locator(".mp-data-summary")).to_contain_text("N = 700 · X: 3 dims · Y: 3 dims")
    expect(app.page.locator(".mp-data-summary")).to_contain_text("true MI 1.500 bits")
    expect(app.page.locator(".mp-cost")).to_contain_text("21 networks × 7 epochs")
    expect(app.error).to_be_hidden()
    # the link survives untouched, and a widget change is written back into it
    assert app.query()["estimator"] == "smile" and app.query()["kz"] == "16"
    app.set_number("Epochs", 8)
    app.page.wait_for_function("() => new URLSearchParams(window.location.search).get('epochs') === '8'",
                               timeout=30_000)
    assert app.page_errors == []


@pytest.mark.browser
def test_bad_files_are_explained_and_the_app_works_on(app, tmp_path):
    x, y, _ = correlated(500, seed=1)
    bad_type = tmp_path / "notes.txt"
    bad_type.write_text("x,y\n1,2\n")
    mismatched = tmp_path / "mismatched.npz"
    np.savez(mismatched, x=x, y=y[:300])
    nan_csv = tmp_path / "gaps.csv"
    frame = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y1": y[:, 0], "y2": y[:, 1]})
    frame.loc[[3, 17], "x2"] = np.nan
    frame.to_csv(nan_csv, index=False)
    good = tmp_path / "good.csv"
    frame.fillna(0.5).to_csv(good, index=False)

    app.open({"source": "gaussian", "dim": 1, "mi": 1, "n_samples": 400, "epochs": 8, **QUICK})
    assert app.run_to_end() == "done"
    expect_result(app)
    shown = app.value.text_content()
    expect(app.error).to_be_hidden()

    app.choose_source("Upload")
    cases = [(bad_type, ["notes.txt", ".txt", "Accepted file types are .npy, .npz, .csv, .parquet"]),
             (mismatched, ["mismatched.npz", "500 rows", "300"]),
             (nan_csv, ["gaps.csv", "NaN", "2 of 500 rows"])]
    for path, phrases in cases:
        app.upload(path)
        for phrase in phrases:
            expect(app.error).to_contain_text(phrase, timeout=30_000)
        expect(app.error).to_be_visible()
        expect(app.value).to_have_text(shown)  # the previous result stays
        expect(app.status).to_have_text("done")
        expect(app.run_button).to_be_enabled()

    # Run with unusable data: refused with the reason, nothing breaks
    app.run_button.click()
    expect(app.error).to_contain_text("NaN")
    expect(app.status).to_have_text("done")

    app.upload(good)
    expect(app.error).to_be_hidden(timeout=30_000)
    expect(app.page.locator(".mp-data-summary")).to_contain_text("good.csv")
    expect(app.value).to_have_text(shown)
    assert app.run_to_end() == "done"
    expect(app.page.locator(".mp-result .mp-card-kicker")).to_contain_text("good.csv")
    expect_result(app)
    assert app.history_runs() == 2
    assert app.page_errors == []


@pytest.mark.browser
def test_rigorous_ladder_shows_the_corrected_value_interval_and_verdict(app):
    app.open({"source": "gaussian", "dim": 2, "mi": 1, "n_samples": 1500, "epochs": 5, "mode": "rigorous",
              "max_gamma": 5, "confidence": 0.9, **QUICK})
    assert app.run_to_end() == "done"
    value = expect_result(app)
    assert 0.2 < value < 2.5  # true MI 1 bit
    interval = app.page.locator(".mp-result .mp-card-interval")
    expect(interval).to_contain_text(re.compile(r"90% confidence interval: \[-?\d+\.\d{3}, -?\d+\.\d{3}\] bits"))
    lo, hi = map(float, re.findall(r"-?\d+\.\d{3}", interval.text_content()))
    assert lo <= value <= hi
    expect(app.page.locator(".mp-result .mp-card-kicker")).to_contain_text("Rigorous")
    expect(app.verdict).to_contain_text(re.compile(r"Verdict:\s*(reliable|not reliable)"))
    expect(app.page.locator(".mp-checks")).to_contain_text(re.compile("✅|❌"))

    ladder = app.hook("mp-ladder-plot")
    expect(ladder).to_be_visible()
    points = [s for s in app.sources("mp-ladder-plot", "mi") if "state" in s["columns"]]
    assert points and max(s["length"] for s in points) == 15  # gamma = 1..5: 15 networks
    assert app.page_errors == []
