"""The Panel app of mipanel: a dashboard over the engine, one component per module.

- controls: widgets generated from param declarations
- data_panel: synthetic sources and uploads, with a preview
- estimator_panel: estimator settings and analysis options
- runner: the worker thread and its event queue
- plots: live training curves and the diagnostic plots
- result_card: the estimate, its interval and the verdict
- history, exports, url_state: past runs, downloads, shareable links
- dashboard: everything together (`Dashboard().__panel__()` in a notebook;
  app.py at the repository root serves it in a template)

The engine never imports this package; importing it loads Panel and HoloViews.
"""
from __future__ import annotations

__all__ = ["Dashboard", "DataPanel", "DiagnosticPlots", "EstimatorPanel", "History", "ResultCard", "RunOptions",
           "Runner", "TrainingMonitor"]

_WHERE = {
    "Dashboard": "dashboard", "DataPanel": "data_panel", "DiagnosticPlots": "plots",
    "EstimatorPanel": "estimator_panel", "History": "history", "ResultCard": "result_card", "RunOptions": "estimator_panel", "Runner": "runner",
    "TrainingMonitor": "plots",
}


def __getattr__(name: str):
    """Import components on first use, so `import mipanel.app.url_state` stays light."""
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
