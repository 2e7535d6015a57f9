"""Benchmarks for clubrules, each suite timed against its anchor in the same run.

Run `python -m benchmarks [SUITE ...] [--quick] [--json FILE]`. A suite is a
module of this package (not starting with `_`) with a
`run(quick: bool) -> list[Row]` function.
"""
