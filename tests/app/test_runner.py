"""The worker thread posts events and its end on a queue; the session drains it."""
from __future__ import annotations

import threading
import time

import pytest

from mipanel.app.runner import Failed, Finished, Runner, format_seconds
from mipanel.training import TrainingEvent


def _event(done: int, total: int, elapsed: float = 0.1) -> TrainingEvent:
    return TrainingEvent(network=0, label="single", epoch=done, epochs=total, train_mi=0.5, test_mi=0.4,
                         smoothed_test_mi=0.4, loss=-0.4, elapsed=elapsed, ceiling=3.0, done=done, total=total)


def _drain_until_end(runner: Runner, timeout: float = 10.0):
    events, start = [], time.monotonic()
    while time.monotonic() - start < timeout:
        got, end = runner.drain()
        events += got
        if end is not None:
            return events, end
        time.sleep(0.01)
    raise TimeoutError


def test_events_and_outcome_arrive_through_the_queue_and_the_worker_is_another_thread():
    seen = {}

    def job(callback, control):
        seen["thread"] = threading.current_thread()
        for i in range(1, 6):
            callback(_event(i, 5, elapsed=0.2 * i))
        return "outcome"

    r = Runner()
    r.start(job)
    assert r.status == "running" and r.busy
    events, end = _drain_until_end(r)
    assert [e.done for e in events] == [1, 2, 3, 4, 5]
    assert isinstance(end, Finished) and end.outcome == "outcome"
    assert seen["thread"] is not threading.main_thread()
    assert r.status == "done" and (r.done, r.total) == (5, 5) and not r.busy
    assert "5 of 5" in r.progress_text()


def test_time_left_is_estimated_from_the_event_counters():
    r = Runner()
    gate = threading.Event()

    def job(callback, control):
        callback(_event(10, 40, elapsed=2.0))
        gate.wait(5)
        return None

    r.start(job)
    deadline = time.monotonic() + 5
    while not r.done and time.monotonic() < deadline:
        r.drain()
        time.sleep(0.01)
    assert r.eta == pytest.approx(6.0) and "about 0:06 left" in r.progress_text()
    gate.set()
    _drain_until_end(r)


def test_pause_blocks_the_worker_and_stop_ends_it_early():
    progress = []

    def job(callback, control):
        for i in range(1, 1000):
            if not control.checkpoint():
                return "partial"
            progress.append(i)
            callback(_event(i, 1000))
            time.sleep(0.005)
        return "complete"

    r = Runner()
    r.start(job)
    while not progress:
        time.sleep(0.01)
    r.pause()
    assert r.status == "paused"
    time.sleep(0.1)
    frozen = len(progress)
    time.sleep(0.15)
    assert len(progress) <= frozen + 1
    r.resume()
    assert r.status == "running"
    time.sleep(0.05)
    r.stop()
    _, end = _drain_until_end(r)
    assert end.outcome == "partial" and r.status == "stopped"


def test_an_exception_in_the_job_becomes_an_error_status():
    def job(callback, control):
        raise ValueError("the data are too short")

    r = Runner()
    r.start(job)
    _, end = _drain_until_end(r)
    assert isinstance(end, Failed) and "too short" in str(end.error) and r.status == "error"
    with pytest.raises(RuntimeError):
        r.status = "running"
        r.start(job)


def test_format_seconds():
    assert format_seconds(7) == "0:07" and format_seconds(192) == "3:12" and format_seconds(3723) == "1:02:03"
    assert format_seconds(None) == ""
