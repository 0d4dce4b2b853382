"""Running an analysis in a worker thread and reporting its progress.

The worker thread runs a plain job (engine code only) and never touches a Panel
object: the job's TrainingEvents go onto a queue (`callback=queue.put`), followed by
the outcome or the exception. The session drains the queue from its own event loop
(a periodic callback in the app, a loop in tests and notebooks), so every widget
and plot update happens on the session's thread. Torch releases the GIL inside its
kernels, so the server stays responsive while several sessions train.
"""
from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import param

from mipanel.control import RunControl
from mipanel.training import TrainingEvent

__all__ = ["STATUSES", "Failed", "Finished", "Phase", "Runner", "format_seconds"]

#: Every status a run can be in, in the order a run usually goes through them.
STATUSES = ("idle", "running", "paused", "stopped", "done", "error")

Job = Callable[..., Any]  # job(callback=..., control=...) -> outcome


@dataclass
class Phase:
    """A step of a job that reports no training events (e.g. computing baselines)."""

    text: str


@dataclass
class Finished:
    outcome: Any


@dataclass
class Failed:
    error: BaseException
    trace: str


def format_seconds(seconds: float | None) -> str:
    """'0:07', '3:12', '1:02:03'; an empty string for None."""
    if seconds is None or seconds != seconds:
        return ""
    seconds = int(round(max(seconds, 0.0)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _work(job: Job, control: RunControl, inbox: queue.Queue) -> None:
    """The worker thread: run the job, post its events and its end. No Panel here."""
    try:
        inbox.put(Finished(job(callback=inbox.put, control=control)))
    except BaseException as exc:  # reported to the user on the session's thread
        inbox.put(Failed(exc, traceback.format_exc()))


class Runner(param.Parameterized):
    """One analysis at a time in a worker thread, with stop/pause and a progress estimate.

    `drain()` returns the events that arrived since the last call and, once the
    job has ended, its `Finished` or `Failed`. Progress (`done`, `total`, `elapsed`,
    `eta`) comes from the TrainingEvents' counters; time spent paused is left out
    of `elapsed` so the estimate of the time left stays honest.
    """

    status = param.Selector(default="idle", objects=list(STATUSES), doc="Where the current run is.")
    done = param.Integer(default=0, bounds=(0, None), doc="Network-epochs finished.")
    total = param.Integer(default=0, bounds=(0, None), doc="Network-epochs planned.")
    elapsed = param.Number(default=0.0, doc="Seconds of training so far, pauses excluded.")
    eta = param.Number(default=None, allow_None=True, doc="Estimated seconds left, None until known.")
    phase = param.String(default="", doc="What the run is doing when it is not training.")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.control: RunControl | None = None
        self._inbox: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._paused_since: float | None = None
        self._paused_total = 0.0
        self._stop_asked = False

    # ------------------------------------------------------------------ commands
    @property
    def busy(self) -> bool:
        """A job was started and its end has not been drained yet."""
        return self.status in ("running", "paused")

    def start(self, job: Job) -> None:
        if self.busy:
            raise RuntimeError("a run is already in progress: stop it first")
        self._inbox = queue.Queue()  # a fresh queue: nothing of an earlier run leaks in
        self.control = RunControl()
        self._paused_since, self._paused_total, self._stop_asked = None, 0.0, False
        self.param.update(status="running", done=0, total=0, elapsed=0.0, eta=None, phase="starting")
        self._thread = threading.Thread(target=_work, args=(job, self.control, self._inbox),
                                        name="mipanel-run", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        if self.status == "running" and self.control is not None:
            self.control.pause()
            self._paused_since = time.perf_counter()
            self.status = "paused"

    def resume(self) -> None:
        if self.status == "paused" and self.control is not None:
            if self._paused_since is not None:
                self._paused_total += time.perf_counter() - self._paused_since
                self._paused_since = None
            self.control.resume()
            self.status = "running"

    def stop(self) -> None:
        """Ask the worker to stop; the partial outcome arrives through `drain`."""
        if self.control is not None and self.busy:
            self._stop_asked = True
            self.control.stop()
            if self._paused_since is not None:
                self._paused_total += time.perf_counter() - self._paused_since
                self._paused_since = None
            if self.status == "paused":
                self.status = "running"
            self.phase = "stopping"

    @property
    def stop_asked(self) -> bool:
        return self._stop_asked

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    # ------------------------------------------------------------------ draining
    def drain(self, limit: int = 50_000) -> tuple[list[TrainingEvent], Finished | Failed | None]:
        """Events posted since the last call, and the job's end if it came."""
        events: list[TrainingEvent] = []
        end = None
        for _ in range(limit):
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, TrainingEvent):
                events.append(item)
            elif isinstance(item, Phase):
                self.phase = item.text
            elif isinstance(item, (Finished, Failed)):
                end = item
                break
        if events:
            last = events[-1]
            paused = self._paused_total
            active = max(last.elapsed - paused, 1e-9)
            left = (last.total - last.done) * active / last.done if last.done else None
            self.param.update(done=last.done, total=last.total, elapsed=active, eta=left,
                              phase="" if self.phase in ("starting", "") else self.phase)
        if end is not None:
            if isinstance(end, Failed):
                status = "error"
            else:
                status = "stopped" if self._stop_asked else "done"
            self.param.update(status=status, eta=0.0 if status == "done" else None, phase="")
        return events, end

    def progress_text(self) -> str:
        """'1,200 of 2,750 network-epochs (44%) · 0:12 elapsed · about 0:15 left'."""
        if self.status == "idle":
            return "ready"
        if not self.total:
            return self.phase or self.status
        share = self.done / self.total
        parts = [f"{self.done:,} of {self.total:,} network-epochs ({share:.0%})",
                 f"{format_seconds(self.elapsed)} elapsed"]
        if self.busy and self.eta is not None and self.done < self.total:
            parts.append(f"about {format_seconds(self.eta)} left")
        if self.phase:
            parts.append(self.phase)
        return " · ".join(parts)
