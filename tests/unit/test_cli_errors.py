"""Every command's error: one line on standard error, or one JSON object with `--json`.

For each command group (demo, db, keys, bookings, customers), bad usage,
missing, unreadable and malformed files, bad option values and errors the
library raises are reported the same way: one line `clubrules: error: ...`
on standard error and nothing on standard output, or with `--json` one JSON
object `{"error": ..., "type": ...}` on standard output and nothing on
standard error; the documented exit code; never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from clubrules.cli import EXIT_FAILED, EXIT_USAGE, _bookings, main
from clubrules.errors import ValidationError

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

KEYRING = "keyring.json"


def _files(tmp: Path) -> dict[str, str]:
    """Named files and paths the cases refer to as `{name}`."""
    (tmp / "garbage.json").write_text("garbage", encoding="utf-8")
    (tmp / "header_only.csv").write_text("id,resource\n", encoding="utf-8")
    (tmp / "broken.json").write_text('[{"id": "b-1",\n', encoding="utf-8")
    (tmp / "latin1.csv").write_bytes(b"id,resource,start,end\n\xe9,\xe9,x,y\n")
    (tmp / "tiers.csv").write_text("customer_id,last_visit\n", encoding="utf-8")
    (tmp / "lines.jsonl").write_text('{"record_type": 1}\n', encoding="utf-8")
    (tmp / "taken.db").write_text("", encoding="utf-8")
    (tmp / "dir").mkdir()
    main(["keys", "new", "--file", str(tmp / KEYRING)])
    return {
        "tmp": str(tmp),
        "missing": str(tmp / "missing.csv"),
        "missing_dir_file": str(tmp / "no-such-dir" / "x.json"),
        **{p.stem: str(p) for p in tmp.iterdir()},
    }


# (command group, argv with {placeholders}, exit code, error type, text in the message)
CASES = [
    ("cli", ["no-such-command"], EXIT_USAGE, "ArgumentError", "invalid choice"),
    ("demo", ["demo", "--bogus"], EXIT_USAGE, "ArgumentError", "unrecognized arguments"),
    ("demo", ["demo", "--database", "{taken}"], EXIT_USAGE, "ValidationError", "already exists"),
    ("db", ["db", "migrate"], EXIT_USAGE, "ArgumentError", "--url"),
    ("db", ["db", "migrate", "--url", "x.db", "--to", "two"], EXIT_USAGE, "ArgumentError", "--to"),
    ("db", ["db", "migrate", "--url", "ftp://x"], EXIT_USAGE, "ValidationError", "url"),
    (
        "db",
        ["db", "migrate", "--url", "sqlite:///{missing_dir_file}"],
        EXIT_FAILED,
        "StorageError",
        "cannot open the SQLite database {missing_dir_file}",
    ),
    ("keys", ["keys", "new"], EXIT_USAGE, "ArgumentError", "--file"),
    ("keys", ["keys", "new", "--file", "{keyring}"], EXIT_USAGE, "InputError", "already exists"),
    (
        "keys",
        ["keys", "new", "--file", "{missing_dir_file}"],
        EXIT_USAGE,
        "KeyringError",
        "cannot write",
    ),
    ("keys", ["keys", "rotate", "--file", "{missing}"], EXIT_USAGE, "InputError", "does not exist"),
    ("keys", ["keys", "rotate", "--file", "{garbage}"], EXIT_USAGE, "KeyringError", "keyring"),
    (
        "keys",
        ["keys", "rewrap", "--file", "{keyring}", "--input", "{lines}", "--output", "{tmp}/o"],
        EXIT_USAGE,
        "InputError",
        ":1: missing record_id, field, sealed",
    ),
    ("bookings", ["bookings", "check"], EXIT_USAGE, "ArgumentError", "FILE"),
    ("bookings", ["bookings", "check", "{missing}"], EXIT_USAGE, "InputError", "does not exist"),
    ("bookings", ["bookings", "check", "{dir}"], EXIT_USAGE, "InputError", "is a directory"),
    ("bookings", ["bookings", "check", "{broken}"], EXIT_USAGE, "InputError", "not valid JSON"),
    ("bookings", ["bookings", "check", "{latin1}"], EXIT_USAGE, "InputError", "not UTF-8"),
    ("bookings", ["bookings", "check", "{header_only}"], EXIT_USAGE, "InputError", "'start'"),
    (
        "bookings",
        ["bookings", "check", "{header_only}", "--tz", "Mars/Base"],
        EXIT_USAGE,
        "UnknownTimeZoneError",
        "--tz",
    ),
    ("customers", ["customers", "tier"], EXIT_USAGE, "ArgumentError", "FILE"),
    ("customers", ["customers", "tier", "{missing}"], EXIT_USAGE, "InputError", "does not exist"),
    ("customers", ["customers", "tier", "{tiers}"], EXIT_USAGE, "InputError", "'visits'"),
    (
        "customers",
        ["customers", "tier", "{tiers}", "--currency", "XX"],
        EXIT_USAGE,
        "InvalidMoneyError",
        "--currency",
    ),
    (
        "customers",
        ["customers", "tier", "{tiers}", "--as-of", "soon"],
        EXIT_USAGE,
        "InputError",
        "--as-of",
    ),
]


def _argv(template: list[str], files: dict[str, str]) -> list[str]:
    return [part.format(**files) for part in template]


# The demo has no --json, except where the option itself is the error.
RUNS = [
    pytest.param(case, json_output, id=f"{case[0]}-{i}-{'json' if json_output else 'text'}")
    for i, case in enumerate(CASES)
    for json_output in (False, True)
    if not (json_output and case[0] == "demo" and "--bogus" not in case[1])
]


@pytest.mark.parametrize(("case", "json_output"), RUNS)
def test_every_error_is_one_line_or_one_json_object(
    case: tuple[str, list[str], int, str, str],
    json_output: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _group, template, code, error_type, shown = case
    files = _files(tmp_path)
    capsys.readouterr()
    argv = _argv(template, files)
    shown = shown.format(**files)
    if json_output:
        argv.append("--json")
    assert main(argv) == code
    out, err = capsys.readouterr()
    if json_output:
        assert err == ""
        assert out.count("\n") == 1
        error = json.loads(out)
        assert (error["type"], shown in error["error"]) == (error_type, True), error
    else:
        assert out == ""
        assert err.startswith("clubrules: error: ")
        assert err.count("\n") == 1
        assert shown in err
    assert "Traceback" not in out + err


def _raising(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Make `bookings check` raise `error`."""

    def handler(_args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr(_bookings, "_run_check", handler)


@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
@pytest.mark.parametrize(
    "case",
    [
        (ValidationError("must be positive", field="x", rule="r"), EXIT_USAGE, "ValidationError",
         "x: must be positive"),
        (PermissionError(13, "Permission denied", "/srv/club.csv"), EXIT_USAGE, "PermissionError",
         "/srv/club.csv: Permission denied"),
        (OSError(28, "No space left on device"), EXIT_USAGE, "OSError", "No space left"),
        (RuntimeError("138 0013 8000"), EXIT_FAILED, "RuntimeError", "unexpected internal error"),
    ],
    ids=["library", "permission", "oserror", "bug"],
)  # fmt: skip
def test_what_a_command_raises_is_reported_never_a_traceback(
    case: tuple[Exception, int, str, str],
    json_output: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    error, code, error_type, shown = case
    _raising(monkeypatch, error)
    argv = ["bookings", "check", "x.csv", *(["--json"] if json_output else [])]
    assert main(argv) == code
    out, err = capsys.readouterr()
    text = out if json_output else err
    assert (out if not json_output else err) == ""
    assert text.count("\n") == 1
    assert shown in text
    # A bug's message may quote input (a phone number): only its type is shown.
    assert "138 0013" not in text
    if json_output:
        assert json.loads(out)["type"] == error_type


def test_a_file_name_that_is_not_utf8_is_reported_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = str(tmp_path / "bad\udce9name.csv")  # as Python decodes the byte 0xE9
    for flag in ([], ["--json"]):
        assert main(["bookings", "check", name, *flag]) == EXIT_USAGE
        out, err = capsys.readouterr()
        text = out if flag else err
        assert text.count("\n") == 1
        assert "\\udce9" in text
        text.encode("utf-8")  # writable to any UTF-8 stream


def test_interrupted_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _raising(monkeypatch, KeyboardInterrupt())
    assert main(["bookings", "check", "x.csv"]) == 130
    assert capsys.readouterr().err == "clubrules: interrupted\n"


def test_the_process_exits_with_the_code_and_no_traceback(tmp_path: Path) -> None:
    for argv, code in (
        (["db", "migrate", "--url", "ftp://x", "--json"], EXIT_USAGE),
        (["bookings", "check", "--json"], EXIT_USAGE),
        (["keys", "new", "--file", str(tmp_path / "no-dir" / "k.json")], EXIT_USAGE),
    ):
        done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "clubrules", *argv],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == code
        assert "Traceback" not in done.stdout + done.stderr
        assert (done.stdout + done.stderr).count("\n") == 1
