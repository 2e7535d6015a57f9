"""Command line of the benchmark suites: `python -m benchmarks --help`."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import benchmarks

if TYPE_CHECKING:
    from benchmarks._harness import Row


def available_suites() -> list[str]:
    """The names of every suite module in this package."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if not info.name.startswith("_")
    )


def _format(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:,.1f}x"
    if value >= 1:
        return f"{value:.3f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.3f} ms"
    return f"{value * 1e6:.2f} us"


def print_table(rows: list[Row]) -> None:
    """Print `rows` as an aligned text table."""
    header = ("suite", "case", "n", "clubrules", "anchor", "anchor time", "speed-up", "note")
    lines = [
        (
            r.suite,
            r.case,
            f"{r.n:,}",
            _format(r.clubrules_s),
            r.anchor,
            _format(r.anchor_s),
            _format(r.speedup, "x"),
            r.note,
        )
        for r in rows
    ]
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    """Run the chosen suites (all by default) and print or save their rows."""
    suites = available_suites()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("suites", nargs="*", metavar="SUITE", help=f"one of {suites}")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    unknown = [s for s in args.suites if s not in suites]
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; available: {suites}")
    rows: list[Row] = []
    for name in args.suites or suites:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name}{' (quick)' if args.quick else ''} ...", file=sys.stderr)
        rows.extend(module.run(quick=args.quick))
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps([r.as_json() for r in rows], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
