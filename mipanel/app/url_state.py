"""The page URL holds the data and estimator settings, so a shared link opens a preset.

Query parameter names
---------------------
Data:
    source            gaussian | latent | shapes | digits | file (the keys of
                      mipanel.data.registry.SOURCES, plus ``file`` for an upload)
    <setting>         every setting of the chosen source under its own name, e.g.
                      n_samples, dim, mi (bits), latent_dim, mapping, map_seed, base,
                      transform, nu, epsilon, correlation, pair_correlation, noise
    data_seed         the source's sampling ``seed`` (renamed: ``seed`` is the estimator's)
Estimator (every EstimatorSettings name except ``device``, which describes the machine):
    estimator, critic, kz, hidden, depth, activation, spectral_norm, lr, batch_size,
    epochs, test_fraction, eval_max, tau, beta, mine_alpha, seed, time_series
Analysis (RunOptions):
    mode              single | rigorous | kz_sweep | permutation | seed_spread
    confidence, max_gamma, kz_max, n_permutations, repeats, baselines

Examples::

    /app?source=latent&n_samples=512&estimator=smile&kz=16&epochs=5
    /app?source=gaussian&dim=2&mi=1&mode=rigorous&epochs=20&confidence=0.95

Values use param's serialisation (numbers as JSON numbers, booleans as
``true``/``false``). A source setting whose name clashes with an estimator or
analysis name is prefixed with ``data_``. Unknown names are ignored; a value
outside a setting's bounds is reported and the rest of the link still applies.

When the app is served, `UrlState.sync(pn.state.location)` binds these names both
ways with ``Location.sync``: opening a link sets the widgets, moving a widget
rewrites the link. `to_query` / `apply_query` do the same without a browser.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping

import param

from mipanel.interface import DataSource
from mipanel.settings import EstimatorSettings

__all__ = ["DATA_PREFIX", "UrlState", "data_names", "option_names", "settings_names"]

DATA_PREFIX = "data_"
#: Settings that describe the machine, not the method, so they stay out of links.
NOT_IN_URL = ("device",)


def settings_names() -> dict[str, str]:
    """EstimatorSettings parameter -> query name."""
    return {n: n for n in EstimatorSettings.names() if n not in NOT_IN_URL}


def option_names(options: param.Parameterized) -> dict[str, str]:
    return {n: n for n in options.param if n != "name"}


def data_names(source: DataSource | None, taken: set[str] | None = None) -> dict[str, str]:
    """Source parameter -> query name (prefixed where it would clash with `taken`)."""
    if source is None:
        return {}
    taken = set(taken if taken is not None else settings_names()) | {"source", "mode"}
    out = {}
    for n in source.param:
        if n == "name":
            continue
        out[n] = DATA_PREFIX + n if n in taken else n
    return out


def _serialise(obj: param.Parameterized, name: str) -> str:
    value = getattr(obj, name)
    try:
        value = obj.param[name].serialize(value)
    except Exception:
        pass
    return value if isinstance(value, str) else json.dumps(value)


def _deserialise(obj: param.Parameterized, name: str, text):
    if isinstance(text, (list, tuple)):
        text = text[-1] if text else ""
    if isinstance(text, bytes):
        text = text.decode()
    if not isinstance(text, str):
        return text
    p = obj.param[name]
    if isinstance(p, (param.Number, param.Boolean, param.List, param.Dict)):
        try:  # numbers and booleans as JSON; Python spellings of booleans too
            return json.loads({"True": "true", "False": "false"}.get(text, text))
        except ValueError:
            return text
    try:
        return p.deserialize(text)
    except Exception:
        return text


class UrlState:
    """Which objects of a dashboard live in the URL, under which names."""

    def __init__(self, data_panel, settings: EstimatorSettings, options: param.Parameterized,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.data, self.settings, self.options = data_panel, settings, options
        self.on_error = on_error
        self.location = None
        self._synced_source = None

    # ----------------------------------------------------------- pure round trip
    def groups(self) -> list[tuple[param.Parameterized, dict[str, str]]]:
        """(object, {parameter: query name}) for everything in the URL right now."""
        taken = set(settings_names()) | set(option_names(self.options))
        out = [(self.data, {"source": "source"}), (self.settings, settings_names()),
               (self.options, option_names(self.options))]
        src = self.data.current_source
        if src is not None:
            out.append((src, data_names(src, taken)))
        return out

    def to_query(self) -> dict[str, str]:
        query = {}
        for obj, names in self.groups():
            for p, q in names.items():
                query[q] = _serialise(obj, p)
        return query

    def apply_query(self, query: Mapping[str, Any]) -> list[str]:
        """Set widgets from a query dict; returns messages for the values that were refused."""
        problems = []
        if "source" in query:  # first, so the source's own settings land on the right object
            problems += self._apply(self.data, {"source": "source"}, query)
        for obj, names in self.groups():
            if obj is self.data:
                continue
            problems += self._apply(obj, names, query)
        return problems

    @staticmethod
    def _apply(obj, names: dict[str, str], query: Mapping[str, Any]) -> list[str]:
        problems = []
        for p, q in names.items():
            if q not in query:
                continue
            value = _deserialise(obj, p, query[q])
            try:
                if value != getattr(obj, p):
                    setattr(obj, p, value)
            except Exception as exc:  # out of bounds or of the wrong type
                problems.append(f"{q}={query[q]!r} was ignored: {exc}")
        return problems

    # ----------------------------------------------------------- live URL
    def sync(self, location) -> None:
        """Bind the URL to the widgets (served app): the link sets them, and they rewrite the link."""
        self.location = location
        location.sync(self.data, {"source": "source"}, on_error=self._report)
        location.sync(self.settings, settings_names(), on_error=self._report)
        location.sync(self.options, option_names(self.options), on_error=self._report)
        self._sync_source()
        self.data.param.watch(lambda e: self._sync_source(), "source")

    def _sync_source(self) -> None:
        loc = self.location
        if loc is None:
            return
        if self._synced_source is not None:
            try:
                loc.unsync(self._synced_source)
            except ValueError:
                pass
            self._synced_source = None
        src = self.data.current_source
        if src is not None:
            taken = set(settings_names()) | set(option_names(self.options))
            loc.sync(src, data_names(src, taken), on_error=self._report)
            self._synced_source = src

    def _report(self, values: dict) -> None:
        if self.on_error is not None:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
            self.on_error(f"Some settings in the link could not be applied ({shown}); the defaults are used instead.")

