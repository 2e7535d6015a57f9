"""A hostile walk over every command of the CLI.

Every leaf command of the real argparse parser has a scenario: a valid run
on a small fixture. Then each of its arguments is left out or replaced in
turn with hostile values (empty, huge and negative numbers, NaN, NUL, text
that is not UTF-8, directories, missing paths, /dev/null, a FIFO, a file of
0 bytes), and each cell or field of each input file is replaced in turn
with hostile values (wrong types, 10**400, 1e400, NaN, lone surrogates,
invalid UTF-8, a BOM, NUL, a 1 MB cell, extreme, naive and DST-gap times),
and each file is broken as a whole (CRLF, duplicate and missing columns,
lines that are not JSON). Every run must end with a documented exit code
and, for an error, one line naming what is wrong (one JSON object with
`--json`), never a traceback, never a phone number or key material; output
files are written whole or not at all.

A new command fails `test_every_command_has_a_scenario` until it is given
one; its options are then walked without further work.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import clubrules
from clubrules.cli import _build_parser, main
from clubrules.privacy import FieldCipher, FileKeyProvider, Keyring, sealed_to_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

PHONE = "+86 138 0013 8000"
PHONE_DIGITS = "13800138000"
SECRET = "penicillin-allergy"  # noqa: S105 - a sealed plaintext: never printed
CANARIES = (PHONE, PHONE_DIGITS, SECRET)

# --- fixtures ---------------------------------------------------------------

BOOKINGS_HEADER = [
    "id",
    "resource",
    "start",
    "end",
    "service",
    "status",
    "expires_at",
    "capacity",
    "headcount",
    "buffer_before",
    "buffer_after",
]
BOOKINGS_ROWS = [
    [
        "b-2",
        "li-na",
        "2026-03-14T11:00+08:00",
        "2026-03-14T12:00+08:00",
        "facial",
        "held",
        "2026-03-14T12:00+08:00",
        "1",
        "1",
        "5",
        "10",
    ],
    [
        "b-1",
        "li-na",
        "2026-03-14T10:00+08:00",
        "2026-03-14T11:00+08:00",
        PHONE,
        "confirmed",
        "",
        "1",
        "1",
        "0",
        "15",
    ],
    [
        "b-2",
        "room-2",
        "2026-03-14T11:00+08:00",
        "2026-03-14T12:00+08:00",
        "facial",
        "held",
        "2026-03-14T12:00+08:00",
        "2",
        "1",
        "5",
        "10",
    ],
]
CUSTOMERS_HEADER = [
    "customer_id",
    "first_visit",
    "last_visit",
    "visits",
    "spend",
    "tier",
    "last_review",
    "baseline_visits",
    "recent_visits",
    "baseline_spend",
    "recent_spend",
]
CUSTOMERS_ROWS = [
    [
        "c-1",
        "2024-05-02",
        "2026-03-29",
        "26",
        "12800.00",
        "gold",
        "2026-01-01",
        "7",
        "3",
        "3600.00",
        "1200.00",
    ],
    [
        "c-2",
        "2025-01-10",
        "2026-03-30T10:00+08:00",
        "14",
        "3250.50",
        "",
        "",
        "3",
        "2",
        "700.00",
        "500.00",
    ],
]
PLACE_KEYS = ("record_type", "record_id", "field", "sealed")


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _json_text(header: list[str], rows: list[list[str]]) -> str:
    """A JSON array with one object a line; cells are raw JSON texts."""
    objects = [
        "{" + ", ".join(f'"{k}": {v}' for k, v in zip(header, row, strict=True)) + "}"
        for row in rows
    ]
    return "[\n" + ",\n".join(objects) + "\n]\n"


def _encode(text: str) -> bytes:
    # Lone surrogates become the bytes of no valid UTF-8 text, as in a broken export.
    return text.encode("utf-8", "surrogatepass")


@dataclass
class Fixture:
    """One run's directory: input files, a keyring and what must never be printed."""

    d: Path
    material: list[str] = field(default_factory=list)

    @classmethod
    def make(cls, root: Path) -> Fixture:
        d = Path(os.path.realpath(root)) / f"run{next(_COUNTER)}"
        d.mkdir()
        fixture = cls(d)
        (d / "bookings.csv").write_bytes(_encode(_csv_text([BOOKINGS_HEADER, *BOOKINGS_ROWS])))
        json_rows = [[json.dumps(cell) for cell in row] for row in BOOKINGS_ROWS]
        (d / "bookings.json").write_text(_json_text(BOOKINGS_HEADER, json_rows), encoding="utf-8")
        (d / "customers.csv").write_text(
            _csv_text([CUSTOMERS_HEADER, *CUSTOMERS_ROWS]), encoding="utf-8"
        )
        (d / "empty.csv").write_bytes(b"")
        (d / "unreadable.csv").write_text("id\n", encoding="utf-8")
        (d / "unreadable.csv").chmod(0)
        os.mkfifo(d / "fifo.csv")
        keyring = Keyring.generate()
        ring_file = FileKeyProvider(d / "keys.json")
        keyring.save(ring_file)
        cipher = FieldCipher(keyring)
        lines = []
        for i, value in enumerate((SECRET, "花粉")):
            place = {"record_type": "customer", "record_id": f"c-{i}", "field": "allergies"}
            sealed = sealed_to_text(cipher.seal(value, **place))
            lines.append(json.dumps({**place, "sealed": sealed}, ensure_ascii=False))
        (d / "sealed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        keyring.rotate()
        keyring.save(ring_file)
        document = json.loads((d / "keys.json").read_text(encoding="utf-8"))
        fixture.material = [entry["material"] for entry in document["keys"]]
        return fixture

    def path(self, name: str) -> str:
        return str(self.d / name)


_COUNTER = iter(range(1_000_000_000))


@dataclass(frozen=True)
class Scenario:
    """A command's valid run, its documented exit codes and the kinds of its arguments."""

    argv: tuple[str, ...]
    valid: int
    codes: frozenset[int]
    inputs: dict[str, str] = field(default_factory=dict)  # argument -> fixture file it reads
    outputs: frozenset[str] = frozenset()  # arguments naming a file the command creates
    urls: frozenset[str] = frozenset()


SCENARIOS: dict[tuple[str, ...], Scenario] = {
    ("demo",): Scenario(
        ("demo", "--database", "{d}/demo.db", "--lang", "en"),
        0,
        frozenset({0, 1, 2}),
        outputs=frozenset({"--database"}),
    ),
    ("db", "migrate"): Scenario(
        ("db", "migrate", "--url", "sqlite:///{d}/club.db", "--to", "1"),
        0,
        frozenset({0, 1, 2}),
        urls=frozenset({"--url"}),
    ),
    ("db", "grants"): Scenario(
        ("db", "grants", "--app-role", "clubrules_app", "--schema", "clubrules"),
        0,
        frozenset({0, 2}),
    ),
    ("keys", "new"): Scenario(
        ("keys", "new", "--file", "{d}/new-keys.json"),
        0,
        frozenset({0, 2}),
        outputs=frozenset({"--file"}),
    ),
    ("keys", "rotate"): Scenario(
        ("keys", "rotate", "--file", "{d}/keys.json"),
        0,
        frozenset({0, 2}),
        inputs={"--file": "keys.json"},
    ),
    ("keys", "retire"): Scenario(
        ("keys", "retire", "--file", "{d}/keys.json", "--key-id", "1"),
        0,
        frozenset({0, 2}),
        inputs={"--file": "keys.json"},
    ),
    ("keys", "rewrap"): Scenario(
        (
            "keys",
            "rewrap",
            "--file",
            "{d}/keys.json",
            "--input",
            "{d}/sealed.jsonl",
            "--output",
            "{d}/out.jsonl",
        ),
        0,
        frozenset({0, 1, 2}),
        inputs={"--file": "keys.json", "--input": "sealed.jsonl"},
        outputs=frozenset({"--output"}),
    ),
    ("bookings", "check"): Scenario(
        (
            "bookings",
            "check",
            "{d}/bookings.csv",
            "--format",
            "csv",
            "--tz",
            "America/New_York",
            "--as-of",
            "2026-03-14T09:00+08:00",
            "--lang",
            "en",
        ),
        1,  # the fixture holds conflicts
        frozenset({0, 1, 2}),
        inputs={"file": "bookings.csv"},
    ),
    ("customers", "tier"): Scenario(
        (
            "customers",
            "tier",
            "{d}/customers.csv",
            "--as-of",
            "2026-03-31",
            "--tz",
            "America/New_York",
            "--currency",
            "CNY",
            "--lang",
            "en",
        ),
        0,
        frozenset({0, 2}),
        inputs={"file": "customers.csv"},
    ),
}


def _leaf_commands() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command of the real parser that has no subcommands, with its parser."""
    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups and prefix:
            found[prefix] = parser
        for group in groups:
            for name, sub in group.choices.items():
                walk(sub, (*prefix, name))

    walk(_build_parser(), ())
    return found


LEAVES = _leaf_commands()


def _value_actions(command: tuple[str, ...]) -> list[argparse.Action]:
    """The arguments of `command` that take a value (flags such as --json take none)."""
    return [
        action
        for action in LEAVES[command]._actions
        if action.nargs != 0 and not isinstance(action, argparse._HelpAction)
    ]


def _name(action: argparse.Action) -> str:
    return action.option_strings[0] if action.option_strings else action.dest


# --- running ----------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    argv: list[str]
    code: object
    out: str
    err: str


class _FifoWriter:
    """Feeds `data` to a FIFO once a reader opens it; stops when the run ends."""

    def __init__(self, fifo: Path, data: bytes) -> None:
        self._fifo, self._data = fifo, data
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self._fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader yet; or the FIFO is gone
                time.sleep(0.002)
                continue
            os.set_blocking(fd, True)
            with contextlib.suppress(OSError):
                os.write(fd, self._data)
            os.close(fd)
            return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def _run(argv: list[str], fifo: tuple[Path, bytes] | None = None) -> Run:
    """Run `main(argv)` with standard streams that, like a real terminal's, are strict UTF-8."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", newline="\n", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", newline="\n", write_through=True)
    writer = None if fifo is None else _FifoWriter(*fifo)
    code: object
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except BaseException as error:  # noqa: BLE001 - the walk reports it
                code = f"raised {type(error).__name__}"
            out.flush()
            err.flush()
    finally:
        if writer is not None:
            writer.stop()
    return Run(argv, code, out_bytes.getvalue().decode(), err_bytes.getvalue().decode())


def _problems(run: Run, scenario: Scenario, fixture: Fixture, *, json_mode: bool) -> list[str]:
    """What is wrong with a run: empty if it ended as the documentation promises."""
    found: list[str] = []
    if run.code not in scenario.codes:
        found.append(f"exit code {run.code!r}, not one of {sorted(scenario.codes)}")
    both = run.out + run.err
    found += [f"{bad!r} in the output" for bad in ("Traceback", "internal error") if bad in both]
    if any(m in both for m in fixture.material):
        found.append("key material in the output")
    if SECRET in both:
        found.append("a sealed plaintext in the output")
    if run.code == 0 or (
        run.code == scenario.valid == 1 and not run.err and "error" not in run.out
    ):
        return found
    if json_mode:
        if run.err:
            found.append(f"standard error with --json: {run.err[:200]!r}")
        lines = run.out.splitlines()
        try:
            data = json.loads(run.out) if len(lines) == 1 else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or not {"error", "type"} <= data.keys():
            found.append(f"not one JSON error object: {run.out[:200]!r}")
        message = str(data.get("error", "")) if isinstance(data, dict) else ""
    else:
        lines = run.err.splitlines()
        if run.out:
            found.append(f"standard output on an error: {run.out[:200]!r}")
        if len(lines) != 1 or not lines[0].startswith("clubrules: error: "):
            found.append(f"not one error line: {run.err[:300]!r}")
        message = run.err
    if any(c in message for c in CANARIES):
        found.append("a phone number or plaintext in the error")
    if len(message) > 20_000:
        found.append(f"an error of {len(message)} characters")
    return found


def _apply(template: tuple[str, ...] | list[str], d: Path) -> list[str]:
    return [arg.replace("{d}", str(d)) for arg in template]


def _with_value(
    argv: list[str], command: tuple[str, ...], action: argparse.Action, value: str | None
) -> list[str]:
    """`argv` with the argument of `action` set to `value` (left out if None)."""
    argv = list(argv)
    if not action.option_strings:
        index = len(command)  # the positional FILE follows the command
        if value is None:
            del argv[index]
        else:
            argv[index] = value
        return argv
    option = action.option_strings[0]
    if option in argv:
        index = argv.index(option)
        del argv[index : index + 2]
    if value is not None:
        argv += [option, value]
    return argv


def _check_files(fixture: Fixture, before: dict[str, bytes], run: Run) -> list[str]:
    """Output files whole or not at all; no temporary or lock file left behind."""
    found = [
        f"left {entry.name} behind"
        for entry in fixture.d.iterdir()
        if entry.name.startswith(".") or entry.name.endswith(".lock")
    ]
    out = fixture.d / "out.jsonl"
    if out.exists() and out.is_file():
        if run.code != 0:
            found.append("wrote out.jsonl on a failed run")
        else:
            for line in out.read_text(encoding="utf-8").splitlines():
                json.loads(line)
    keys = fixture.d / "keys.json"
    if keys.is_file() and keys.read_bytes() != before.get("keys.json"):
        if run.code != 0:
            found.append("changed keys.json on a failed run")
        Keyring.from_provider(FileKeyProvider(keys))
    new = fixture.d / "new-keys.json"
    if new.exists() and run.code != 0:
        found.append("created new-keys.json on a failed run")
    return found


def _walk(
    root: Path,
    command: tuple[str, ...],
    argv_of: Callable[[Fixture], list[str]],
    *,
    json_modes: tuple[bool, ...] = (False,),
    fifo_file: str | None = None,
    mention: str | None = None,
) -> list[str]:
    """Run one case (in each JSON mode); the problems found, each with its argv."""
    scenario = SCENARIOS[command]
    found = []
    for json_mode in json_modes:
        fixture = Fixture.make(root)
        argv = argv_of(fixture)
        if json_mode:
            argv.append("--json")
        before = {"keys.json": (fixture.d / "keys.json").read_bytes()}
        fifo = None
        if fifo_file is not None:
            fifo = (fixture.d / "fifo.csv", (fixture.d / fifo_file).read_bytes())
        run = _run(argv, fifo)
        problems = _problems(run, scenario, fixture, json_mode=json_mode)
        problems += _check_files(fixture, before, run)
        if mention and run.code == 2 and mention not in run.out + run.err:
            problems.append(f"the error does not name {mention}")
        found += [f"{' '.join(argv)[:300]!r}: {p}" for p in problems]
    return found


# --- the walk over arguments ------------------------------------------------

HOSTILE_ARGS: dict[str, str] = {
    "empty": "",
    "blank": "   ",
    "huge": "1" + "0" * 400,
    "negative": "-1",
    "nan": "NaN",
    "float_huge": "1e400",
    "nul": "x\x00y",
    "not_utf8": os.fsdecode(b"\xff\xfe.csv"),
    "newline": "a\nb",
    "long": "x" * 5000,
    "directory": "{d}",
    "missing": "{d}/no-such-dir/x.csv",
    "empty_file": "{d}/empty.csv",
    "fifo": "{d}/fifo.csv",
    "devnull": "/dev/null",
    "first_day": "0001-01-01",
    "last_day": "9999-12-31",
    "first_instant": "0001-01-01T00:00+14:00",
    "last_instant": "9999-12-31T23:59:59.999999-12:00",
    "dst_gap": "2026-03-08T02:30",
}
if os.geteuid() != 0:  # root reads any file
    HOSTILE_ARGS["unreadable"] = "{d}/unreadable.csv"


def test_every_command_has_a_scenario() -> None:
    assert set(LEAVES) == set(SCENARIOS)
    for command, scenario in SCENARIOS.items():
        names = {_name(a) for a in _value_actions(command)}
        assert set(scenario.inputs) | scenario.outputs | scenario.urls <= names, command


@pytest.mark.parametrize("command", sorted(SCENARIOS), ids=" ".join)
def test_a_valid_run(
    command: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = SCENARIOS[command]
    fixture = Fixture.make(tmp_path)
    run = _run(_apply(scenario.argv, fixture.d))
    assert run.code == scenario.valid, run
    assert not _problems(run, scenario, fixture, json_mode=False)


def _argument_cases(command: tuple[str, ...]) -> Iterator[tuple[argparse.Action, str | None, str]]:
    scenario = SCENARIOS[command]
    for action in _value_actions(command):
        yield action, None, "missing"
        for label, value in HOSTILE_ARGS.items():
            if _name(action) in scenario.outputs and label == "devnull":
                continue  # never let a run as root replace /dev/null
            if _name(action) in scenario.urls:
                yield action, value, label
                if label == "devnull":
                    continue
                yield action, "sqlite:///" + value, label
                continue
            yield action, value, label
        if action.choices:
            yield action, "ZH", "wrong case choice"


@pytest.mark.parametrize("command", sorted(SCENARIOS), ids=" ".join)
def test_hostile_arguments(
    command: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = SCENARIOS[command]
    has_json = "--json" in {s for a in LEAVES[command]._actions for s in a.option_strings}
    found: list[str] = []
    for action, value, label in _argument_cases(command):
        name = _name(action)
        fifo_file = scenario.inputs.get(name) if label == "fifo" else None

        def argv_of(
            fixture: Fixture, action: argparse.Action = action, value: str | None = value
        ) -> list[str]:
            base = _apply(scenario.argv, fixture.d)
            filled = None if value is None else value.replace("{d}", str(fixture.d))
            return _with_value(base, command, action, filled)

        found += _walk(
            tmp_path,
            command,
            argv_of,
            json_modes=(False, True) if has_json else (False,),
            fifo_file=fifo_file,
        )
    assert not found, "\n".join(found)


# --- the walk over the cells of each input file ------------------------------

HOSTILE_CELLS: dict[str, str] = {
    "empty": "",
    "blank": "   ",
    "word": "abc",
    "huge": "1" + "0" * 400,
    "float_huge": "1e400",
    "fraction": "1.5",
    "negative": "-1",
    "nan": "NaN",
    "inf": "Infinity",
    "nul": "a\x00b",
    "surrogate": "a\ud800b",
    "invalid_utf8": "a\udcffb",
    "bom": "\ufeff2026-03-14T10:00+08:00",
    "one_mb": "x" * (1 << 20),
    "phone": PHONE,
    "first_instant": "0001-01-01T00:00+14:00",
    "last_instant": "9999-12-31T23:59:59.999999-12:00",
    "first_day": "0001-01-01",
    "last_day": "9999-12-31",
    "naive": "2026-03-14T10:00",
    "zone_name": "2026-03-14T10:00[Asia/Shanghai]",
    "dst_gap": "2026-03-08T02:30",
    "dst_repeat": "2026-11-01T01:30",
    "newline": "a\nb",
    "quote": 'a"b',
}
HOSTILE_JSON = {
    **{f"string {k}": json.dumps(v, ensure_ascii=True) for k, v in HOSTILE_CELLS.items()},
    "true": "true",
    "float": "1.5",
    "float_huge": "1e400",
    "nan": "NaN",
    "inf": "-Infinity",
    "huge": "1" + "0" * 400,
    "too_many_digits": "1" + "0" * 5000,
    "negative": "-1",
    "list": "[]",
    "object": "{}",
    "null": "null",
    "deep": "[" * 100_000,
}


def _csv_variants(header: list[str], rows: list[list[str]]) -> Iterator[tuple[str, bytes]]:
    """The file with one cell replaced, then broken as a whole."""
    table = [header, *rows]
    for r, row in enumerate(table[:2]):  # the header and a row: later rows are read the same
        for c in range(len(row)):
            for label, value in HOSTILE_CELLS.items():
                if r == 0 and label == "one_mb":
                    continue
                changed = [list(x) for x in table]
                changed[r][c] = value
                yield f"line {r + 1} cell {c + 1} {label}", _encode(_csv_text(changed))
    text = _csv_text(table)
    yield "crlf", _encode(text.replace("\n", "\r\n"))
    yield "bom", _encode("\ufeff" + text)
    yield (
        "duplicate header",
        _encode(_csv_text([[*header, header[0]]] + [[*r, r[0]] for r in rows])),
    )
    for c in range(len(header)):
        yield (
            f"without column {c + 1}",
            _encode(_csv_text([[x for i, x in enumerate(row) if i != c] for row in table])),
        )
    yield "extra column", _encode(_csv_text([[*header, "extra"]] + [[*r, "x"] for r in rows]))
    yield "extra cell", _encode(_csv_text([header, [*rows[0], "x"], *rows[1:]]))
    yield "missing cell", _encode(_csv_text([header, rows[0][:-1], *rows[1:]]))
    yield "header only", _encode(_csv_text([header]))
    yield "no header", _encode(_csv_text(rows))
    yield "unterminated quote", _encode(text + '"abc\n')
    yield "NUL byte", _encode(text) + b"\x00\n"
    yield "latin-1", _encode(text) + b"\xe9\n"
    yield "0 bytes", b""


def _json_variants(header: list[str], rows: list[list[str]]) -> Iterator[tuple[str, bytes]]:
    cells = [[json.dumps(cell) for cell in row] for row in rows]
    for r, row in enumerate(cells[:1]):  # later objects are read the same
        for c in range(len(row)):
            for label, value in HOSTILE_JSON.items():
                changed = [list(x) for x in cells]
                changed[r][c] = value
                yield (
                    f"object {r + 1} key {header[c]} {label}",
                    _encode(_json_text(header, changed)),
                )
    text = _json_text(header, cells)
    yield "crlf", _encode(text.replace("\n", "\r\n"))
    yield "bom", _encode("\ufeff" + text)
    yield "not an array", _encode(text.strip()[1:-1].split(",\n")[0])
    yield "not an object", _encode("[1, " + text.strip()[1:])
    yield "not JSON", _encode(text.replace("{", "{{", 1))
    yield "duplicate key", _encode(text.replace("{", '{"id": "x", ', 1))
    yield "unknown key", _encode(text.replace("{", '{"extra": "x", ', 1))
    yield "missing key", _encode(text.replace('"id": "b-2", ', "", 1))
    yield "text after", _encode(text + "]")
    yield "cut short", _encode(text[: len(text) // 2])
    yield "empty array", b"[]"
    yield "deep", b"[" * 100_000
    yield "latin-1", _encode(text) + b"\xe9"
    yield "0 bytes", b""


def _jsonl_variants(lines: list[dict[str, str]]) -> Iterator[tuple[str, bytes]]:
    for r, line in enumerate(lines):
        for key in PLACE_KEYS:
            for label, value in HOSTILE_JSON.items():
                items = [json.dumps(v) if k != key else value for k, v in line.items()]
                changed = [json.dumps(x) for x in lines]
                changed[r] = (
                    "{" + ", ".join(f'"{k}": {v}' for k, v in zip(line, items, strict=True)) + "}"
                )
                yield f"line {r + 1} {key} {label}", _encode("\n".join(changed) + "\n")
        sealed = line["sealed"]
        for label, value in {
            "cut": sealed[:-5],
            "padded": sealed + "==",
            "no prefix": sealed[3:],
            "other prefix": "xx:" + sealed[3:],
            "flipped": sealed[:-8] + ("A" if sealed[-8] != "A" else "B") + sealed[-7:],
        }.items():
            changed = [json.dumps(x) for x in lines]
            changed[r] = json.dumps({**line, "sealed": value})
            yield f"line {r + 1} sealed {label}", _encode("\n".join(changed) + "\n")
    text = "\n".join(json.dumps(x) for x in lines) + "\n"
    yield "crlf", _encode(text.replace("\n", "\r\n"))
    yield "bom", _encode("\ufeff" + text)
    yield "not JSON", _encode("garbage\n" + text)
    yield "a list", _encode("[]\n" + text)
    yield "null", _encode("null\n" + text)
    yield "deep", b"[" * 100_000 + b"\n"
    yield "NUL", _encode(text) + b"\x00\n"
    yield "latin-1", _encode(text) + b"\xe9\n"
    yield "0 bytes", b""


def _keyring_variants(text: str) -> Iterator[tuple[str, bytes]]:
    document = json.loads(text)
    for key in ("format", "version", "keys"):
        for label, value in HOSTILE_JSON.items():
            changed = {k: json.dumps(v) for k, v in document.items()}
            changed[key] = value
            raw = "{" + ", ".join(f'"{k}": {v}' for k, v in changed.items()) + "}"
            yield f"{key} {label}", _encode(raw)
    for member in ("id", "status", "material", "uses"):
        for label, value in HOSTILE_JSON.items():
            entry = {k: json.dumps(v) for k, v in document["keys"][0].items()}
            entry[member] = value
            raw_entry = "{" + ", ".join(f'"{k}": {v}' for k, v in entry.items()) + "}"
            rest = ", ".join(json.dumps(e) for e in document["keys"][1:])
            raw = text.replace(json.dumps(document["keys"]), "x")
            head = {k: v for k, v in document.items() if k != "keys"}
            raw = (
                json.dumps(head)[:-1]
                + f', "keys": [{raw_entry}'
                + (f", {rest}" if rest else "")
                + "]}"
            )
            yield f"key 1 {member} {label}", _encode(raw)
    yield "bom", _encode("\ufeff" + text)
    yield "crlf", _encode(text.replace("\n", "\r\n"))
    yield "not JSON", b"garbage"
    yield "deep", b"[" * 100_000
    yield "latin-1", _encode(text) + b"\xe9"
    yield "0 bytes", b""


def _file_cases(name: str, original: bytes) -> Iterator[tuple[str, bytes]]:
    text = original.decode("utf-8")
    if name == "bookings.csv":
        yield from _csv_variants(BOOKINGS_HEADER, BOOKINGS_ROWS)
    elif name == "customers.csv":
        yield from _csv_variants(CUSTOMERS_HEADER, CUSTOMERS_ROWS)
    elif name == "bookings.json":
        yield from _json_variants(BOOKINGS_HEADER, BOOKINGS_ROWS)
    elif name == "sealed.jsonl":
        yield from _jsonl_variants([json.loads(line) for line in text.splitlines()])
    elif name == "keys.json":
        yield from _keyring_variants(text)
    else:  # pragma: no cover - a new input file needs its variants
        raise AssertionError(name)


FILE_CASES = [
    (("bookings", "check"), "file", "bookings.csv", ()),
    (("bookings", "check"), "file", "bookings.json", ("--format", "json")),
    (("customers", "tier"), "file", "customers.csv", ()),
    (("keys", "rewrap"), "--input", "sealed.jsonl", ()),
    (("keys", "rewrap"), "--file", "keys.json", ()),
    (("keys", "rotate"), "--file", "keys.json", ()),
    (("keys", "retire"), "--file", "keys.json", ()),
]


def test_every_input_file_is_walked() -> None:
    walked = {(command, argument) for command, argument, _, _ in FILE_CASES}
    assert walked == {(c, a) for c, s in SCENARIOS.items() for a in s.inputs}


@pytest.mark.parametrize(
    ("command", "argument", "name", "extra"), FILE_CASES, ids=lambda x: str(x).replace(" ", "")
)
def test_hostile_file_contents(  # noqa: PLR0917 - pytest passes the parameters
    command: tuple[str, ...],
    argument: str,
    name: str,
    extra: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = SCENARIOS[command]
    sample = Fixture.make(tmp_path)
    original = (sample.d / name).read_bytes()
    found: list[str] = []
    for label, content in _file_cases(name, original):

        def argv_of(fixture: Fixture, content: bytes = content) -> list[str]:
            target = fixture.d / name
            target.write_bytes(content)
            argv = _apply(scenario.argv, fixture.d)
            if argument == "file":
                argv[len(command)] = str(target)
            else:
                argv[argv.index(argument) + 1] = str(target)
            # --format json for bookings.json replaces --format csv.
            if extra:
                at = argv.index(extra[0])
                argv[at : at + 2] = list(extra)
            return argv

        found += [f"{label}: {p}" for p in _walk(tmp_path, command, argv_of, mention=name)]
    assert not found, "\n".join(found[:60]) + f"\n... {len(found)} problems"


# --- regressions: each failed on the code before the walk --------------------


def test_as_of_at_the_ends_of_the_calendar_is_refused(tmp_path: Path) -> None:
    fixture = Fixture.make(tmp_path)
    for day in ("0001-01-01", "9999-12-31"):
        run = _run(["customers", "tier", fixture.path("customers.csv"), "--as-of", day])
        assert run.code == 2, run
        assert (
            run.err == "clubrules: error: --as-of: must be a date from 0002-01-01 to 9998-12-31\n"
        )


def test_a_wall_time_in_a_dst_gap_is_compared_as_the_instant_it_names(tmp_path: Path) -> None:
    # 02:30 does not exist on 2026-03-08 in New York: it is 03:30 EDT, after 03:10.
    path = tmp_path / "gap.csv"
    path.write_text("id,resource,start,end\nb-1,li-na,2026-03-08T02:30,2026-03-08T03:10\n")
    run = _run(["bookings", "check", str(path), "--tz", "America/New_York"])
    assert run.code == 2, run
    assert run.err == f"clubrules: error: {path}: line 2, column 'end': is before start\n"


def test_a_buffer_past_year_9999_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text(
        "id,resource,start,end,buffer_after\n"
        "b-1,li-na,9999-12-31T10:00+00:00,9999-12-31T11:00+00:00,999999999\n"
    )
    run = _run(["bookings", "check", str(path)])
    assert run.code == 2, run
    assert run.err.startswith(f"clubrules: error: {path}: line 2")


@pytest.mark.parametrize("value", ["1" + "0" * 5000, "[" * 100_000], ids=["long", "deep"])
def test_json_that_python_cannot_parse_names_its_line(tmp_path: Path, value: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(f'[\n{{"id": {value}}}\n]\n')
    run = _run(["bookings", "check", str(path), "--json"])
    assert run.code == 2, run
    error = json.loads(run.out)
    assert error["type"] == "InputError"
    assert error["line"] == 2


def test_an_output_that_is_a_fifo_is_refused_and_left_alone(tmp_path: Path) -> None:
    fixture = Fixture.make(tmp_path)
    argv = ["keys", "rewrap", "--file", fixture.path("keys.json")]
    argv += ["--input", fixture.path("sealed.jsonl"), "--output", fixture.path("fifo.csv")]
    run = _run(argv)
    assert run.code == 2, run
    assert "is not a regular file" in run.err
    assert (fixture.d / "fifo.csv").is_fifo()


@pytest.mark.parametrize("command", ["rotate", "retire"])
def test_a_keyring_that_is_a_directory_or_a_nul_path_is_a_usage_error(
    tmp_path: Path, command: str
) -> None:
    extra = ["--key-id", "1"] if command == "retire" else []
    for path, words in ((str(tmp_path), "is a directory"), ("k\x00.json", "NUL")):
        run = _run(["keys", command, "--file", path, *extra])
        assert run.code == 2, run
        assert words in run.err


def test_a_name_that_is_not_utf8_is_echoed_as_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"keys-\xff.json")
    run = _run(["keys", "new", "--file", name])
    assert run.code == 0, run
    assert run.out == "created keyring keys-\\udcff.json with primary key 1\n"
    run = _run(["keys", "rotate", "--file", name, "--json"])
    assert json.loads(run.out)["file"] == name  # the escape is JSON's own


def test_the_console_script_with_argv_that_is_not_utf8(tmp_path: Path) -> None:
    """The real console script: bytes in argv, exit codes and one line on standard error."""
    script = Path(sys.executable).with_name("clubrules")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "clubrules"]
    env = {**os.environ, "PYTHONPATH": str(Path(clubrules.__file__).parents[1])}
    cases = [
        ([b"bookings", b"check", b"\xff\xfe.csv"], 2, "does not exist"),
        ([b"customers", b"tier", str(tmp_path).encode(), b"--as-of", b"\xff"], 2, "is a directory"),
        ([b"keys", b"new", b"--file", b"k\xff.json"], 0, ""),
        (
            [b"db", b"migrate", b"--url", b"sqlite:///x\xff.db", b"--to", b"1" + b"0" * 400],
            2,
            "to:",
        ),
    ]
    for argv, code, words in cases:
        done = subprocess.run(  # noqa: S603 - the project's own console script
            [*command, *argv], cwd=tmp_path, env=env, capture_output=True, timeout=60, check=False
        )
        err = done.stderr.decode("utf-8")
        assert done.returncode == code, (argv, err)
        assert "Traceback" not in err
        if code:
            assert err.count("\n") == 1, err
            assert err.startswith("clubrules: error: "), err
            assert words in err
            assert not done.stdout
