"""Command line: `mipanel estimate DATA ...`, `mipanel tasks`.

DATA is a file (.npy, .npz, .csv, .parquet), a synthetic source or task name
(see `mipanel tasks`), or a run spec exported by the app (`--spec spec.json`).
Estimator flags are generated from EstimatorSettings, so they match the app's
sliders and the API's keywords one for one.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import param

from .data.registry import SOURCES, TASKS
from .data.validation import DataError
from .interface import to_unit
from .settings import EstimatorSettings
from .spec import RunSpec

FILE_TYPES = (".npy", ".npz", ".csv", ".parquet")


def _list(value: str):
    """'a,b' -> ['a', 'b']; digits become ints (column indices of an .npy)."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    return [int(v) if v.isdigit() else v for v in items]


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("estimator settings (defaults follow the method)")
    for name in EstimatorSettings.names():
        p = EstimatorSettings.param[name]
        flag = "--" + name.replace("_", "-")
        doc = (p.doc or "").split(". ")[0]
        if isinstance(p, param.Boolean):
            group.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None, help=doc)
        elif isinstance(p, param.Selector):
            group.add_argument(flag, dest=name, choices=p.objects, default=None, help=f"{doc} (default {p.default})")
        else:
            kind = int if isinstance(p, param.Integer) else float
            group.add_argument(flag, dest=name, type=kind, default=None, help=f"{doc} (default {p.default})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mipanel", description="Mutual-information estimates you can trust.")
    sub = parser.add_subparsers(dest="command", required=True)
    est = sub.add_parser("estimate", help="estimate MI from a file or a synthetic source")
    est.add_argument("data", nargs="?", help="a data file, or a synthetic source/task name (see `mipanel tasks`)")
    est.add_argument("--spec", type=Path, help="a run spec (JSON) exported by the app; flags given override it")
    est.add_argument("--x", type=_list, help="X: array name (.npz), column names (.csv/.parquet) or indices (.npy), comma-separated")
    est.add_argument("--y", type=_list, help="Y: as --x")
    est.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a synthetic source setting, e.g. --set n_samples=2000 (repeatable)")
    est.add_argument("--rigorous", action="store_true", help="bias-corrected estimate with a confidence interval")
    est.add_argument("--confidence", type=float, default=None, help="confidence level of the interval (default 0.68)")
    est.add_argument("--sweep-kz", action="store_true", help="also run the embedding-dimension sweep")
    est.add_argument("--permutations", type=int, default=0, metavar="N", help="also run a permutation null with N networks")
    est.add_argument("--unit", choices=("bits", "nats"), default=None)
    est.add_argument("--json", type=Path, metavar="OUT", help="write the result as JSON (read back with mipanel.load_result)")
    est.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_setting_flags(est)
    sub.add_parser("tasks", help="list synthetic sources and named tasks")
    return parser


class ProgressBar:
    """A one-line progress bar with elapsed time and time left, on stderr."""

    def __init__(self, label: str, stream=sys.stderr) -> None:
        self.label, self.stream = label, stream
        self.last = 0.0

    def __call__(self, event) -> None:
        now = time.perf_counter()
        if now - self.last < 0.2 and event.done < event.total:
            return
        self.last = now
        frac = event.done / max(event.total, 1)
        left = event.elapsed * (1 - frac) / frac if frac > 0 else 0.0
        bar = "#" * int(30 * frac)
        self.stream.write(f"\r{self.label:<12} [{bar:<30}] {frac:4.0%}  {event.elapsed:5.0f}s elapsed, "
                          f"~{left:4.0f}s left")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _parse_set(items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--set expects NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def spec_from_args(args) -> RunSpec:
    base = RunSpec.load(args.spec).to_dict() if args.spec else None
    if base is None:
        if not args.data:
            raise ValueError("give DATA (a file or a synthetic source name) or --spec spec.json")
        base = {"mode": "single", "settings": {}, "options": {}}
    if args.data:
        base.pop("source", None), base.pop("file", None)
        if Path(args.data).suffix.lower() in FILE_TYPES or Path(args.data).exists():
            if not Path(args.data).exists():
                raise ValueError(f"no such file: {args.data}")
            base["file"] = args.data
        elif args.data in SOURCES or args.data in TASKS:
            base["source"] = args.data
        else:
            raise ValueError(f"{args.data!r} is neither a data file ({', '.join(FILE_TYPES)}) nor a synthetic "
                             "source or task; run `mipanel tasks` for the names")
    if args.set:
        if base.get("source") is None:
            raise ValueError("--set applies to synthetic sources only")
        base["source_settings"] = {**base.get("source_settings", {}), **_parse_set(args.set)}
    if args.x is not None:
        base["x"] = args.x[0] if len(args.x) == 1 and isinstance(args.x[0], str) else args.x
    if args.y is not None:
        base["y"] = args.y[0] if len(args.y) == 1 and isinstance(args.y[0], str) else args.y
    settings = dict(base.get("settings", {}))
    settings.update({k: getattr(args, k) for k in EstimatorSettings.names() if getattr(args, k) is not None})
    base["settings"] = settings
    if args.unit:
        base["unit"] = args.unit
    if args.rigorous:
        base["mode"] = "rigorous"
        base["options"] = {k: v for k, v in base.get("options", {}).items() if k in ("gammas", "confidence")}
    if args.confidence is not None:
        if base["mode"] != "rigorous":
            raise ValueError("--confidence applies to --rigorous runs")
        base["options"] = {**base.get("options", {}), "confidence": args.confidence}
    return RunSpec.from_dict(base)


def _run_one(spec: RunSpec, data, quiet: bool, label: str):
    bar = None if quiet else ProgressBar(label)
    try:
        return spec.run(data=data, callback=bar)
    finally:
        if bar is not None:
            bar.close()


def cmd_estimate(args) -> int:
    spec = spec_from_args(args)
    data = spec.dataset()
    print(f"data: {data.name}  (n = {data.n}, dim X = {data.dim_x}, dim Y = {data.dim_y})")
    if data.true_mi is not None:
        print(f"true MI: {to_unit(data.true_mi, spec.unit):.3f} {spec.unit}")
    result = _run_one(spec, data, args.quiet, spec.mode)
    print(result.summary())
    extra = []
    if args.sweep_kz:
        extra.append(("kz-sweep", RunSpec.from_dict({**spec.to_dict(), "mode": "kz_sweep", "options": {}})))
    if args.permutations:
        extra.append(("permutation", RunSpec.from_dict({**spec.to_dict(), "mode": "permutation",
                                                        "options": {"n_permutations": args.permutations}})))
    for name, s in extra:
        r = _run_one(s, data, args.quiet, name)
        print(r.summary())
        if args.json:
            path = args.json.with_name(f"{args.json.stem}-{name}.json")
            r.save(path)
            print(f"wrote {path}")
    if args.json:
        result.save(args.json)
        print(f"wrote {args.json}")
    return 0


def cmd_tasks() -> int:
    print("synthetic sources (settings with --set NAME=VALUE):")
    for name, cls in SOURCES.items():
        settings = ", ".join(f"{p}={cls.param[p].default}" for p in cls.param if p != "name")
        print(f"  {name:<10} {settings}")
    print("named tasks:")
    for name in TASKS:
        print(f"  {name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "tasks":
            return cmd_tasks()
        return cmd_estimate(args)
    except (DataError, ValueError, TypeError, FileNotFoundError) as exc:
        print(f"mipanel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mipanel: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
