"""Stop and pause flags shared between a running analysis and whoever watches it.

Thread-safe: a UI thread calls `stop()`/`pause()`; the worker calls `checkpoint()`
between steps, which blocks while paused and returns False once stopped.
"""
from __future__ import annotations

import threading


class RunControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused worker so it can finish

    def pause(self) -> None:
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def checkpoint(self) -> bool:
        """Block while paused; True to carry on, False once stop was asked for."""
        while not self._running.wait(timeout=0.1):
            pass
        return not self._stop.is_set()
