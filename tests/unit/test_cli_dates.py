"""Every date and time the CLI reads, as an option or a column, takes one written form.

Dates are YYYY-MM-DD, times 2026-03-14T10:00+08:00 (seconds and a fraction
optional, a space for the T, Z for UTC), as the help and the reference
show them. Python's `fromisoformat` takes much more: `--as-of 20260331`
(the basic format), 2026-W14-2 (a week date), 2026-03-14x10:00 (any
separator), 2026-03-14T10 (an hour alone) were all read as some day or
time; a typo should be refused, not read as another day.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import pytest

from clubrules.cli import EXIT_OK, EXIT_USAGE, _build_parser, main

if TYPE_CHECKING:
    from pathlib import Path

GOOD_DATES = ["2026-03-14"]
BAD_DATES = [
    "20260314",  # the basic format
    "2026-W11-6",  # a week date
    "2026W116",
    "2026-073",  # an ordinal date
    "2026-3-14",
    "2026-03-14T10:00+08:00",  # a time where a day is asked for
    "2026-02-30",  # no such day
    "\uff12\uff10\uff12\uff16-03-14",  # full-width digits
    "14/03/2026",
]
GOOD_TIMES = [
    "2026-03-14T10:00+08:00",
    "2026-03-14T10:00:30+08:00",
    "2026-03-14T10:00:30.250+08:00",
    "2026-03-14 10:00+08:00",
    "2026-03-14T02:00Z",
]
BAD_TIMES = [
    "20260314T1000+0800",  # the basic format
    "2026-03-14T10:00+0800",  # a basic offset
    "2026-03-14T10:00+08",  # an hour-only offset
    "2026-03-14T10+08:00",  # an hour alone
    "2026-03-14x10:00+08:00",  # another separator
    "2026-W11-6T10:00+08:00",  # a week date
    "2026-03-14T10:00:00,5+08:00",  # a decimal comma
    "2026-03-14",  # a day where a time is asked for
    "2026-03-14T25:00+08:00",  # no such hour
]


def _date_and_time_options() -> set[tuple[str, str, str]]:
    """(command, option, metavar) for every option of the real parser that takes a DATE or TIME."""
    found: set[tuple[str, str, str]] = set()

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix} {name}".strip())
            elif action.option_strings and action.metavar in ("DATE", "TIME"):
                found.add((prefix, action.option_strings[0], str(action.metavar)))
            elif action.option_strings and any(
                word in action.dest for word in ("date", "time", "day", "as_of", "since", "until")
            ):
                found.add((prefix, action.option_strings[0], "?"))

    walk(_build_parser(), "")
    return found


OPTIONS = {
    ("customers tier", "--as-of", "DATE"),
    ("bookings check", "--as-of", "TIME"),
}


def test_every_date_and_time_option_is_listed() -> None:
    """A new date or time option must join the probes below (and say DATE or TIME)."""
    assert _date_and_time_options() == OPTIONS


def _file(tmp_path: Path, command: str, header: str = "", row: str = "") -> Path:
    if command == "customers tier":
        path = tmp_path / "customers.csv"
        lines = [f"customer_id,last_visit,visits,spend{header}", f"c-1,2026-03-14,3,100{row}"]
    else:
        path = tmp_path / "bookings.csv"
        lines = [
            f"id,resource,start,end{header}",
            f"b-1,room,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00{row}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


EXAMPLE = "(such as 2026-03-14T10:00+08:00)"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def _echoes(err: str, text: str) -> bool:
    return text in err.replace(EXAMPLE, "")


@pytest.mark.parametrize(("command", "option", "kind"), sorted(OPTIONS))
def test_an_option_takes_its_one_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, option: str, kind: str
) -> None:
    path = str(_file(tmp_path, command))
    good, bad = (GOOD_DATES, BAD_DATES) if kind == "DATE" else (GOOD_TIMES, BAD_TIMES)
    wanted = "not a date (YYYY-MM-DD)" if kind == "DATE" else "not an ISO 8601 time"
    for text in good:
        assert _run(capsys, *command.split(), path, option, text) == (EXIT_OK, ""), text
    for text in bad:
        code, err = _run(capsys, *command.split(), path, option, text)
        assert code == EXIT_USAGE, text
        assert f"clubrules: error: {option}: {wanted}" in err, (text, err)
        assert not _echoes(err, text)


# (command, column, kind, extra header, extra row): each date or time column of the files.
COLUMNS = [
    ("customers tier", "last_review", "DATE", ",last_review", ",{}"),
    ("customers tier", "first_visit", "DATE", ",first_visit", ",{}"),
    ("customers tier", "last_visit", "DATE", "", ""),
    ("customers tier", "last_visit", "TIME", "", ""),
    ("customers tier", "first_visit", "TIME", ",first_visit", ",{}"),
    ("bookings check", "start", "TIME", "", ""),
    ("bookings check", "expires_at", "TIME", ",status,expires_at", ",held,{}"),
]

DAY_OR_TIME = {"first_visit", "last_visit"}  # a day alone is read as its midday


def _cell_file(tmp_path: Path, case: tuple[str, str, str, str, str], text: str) -> Path:
    command, column, _kind, header, row = case
    text = f'"{text}"'  # quoted: a decimal comma stays in its cell
    if column == "last_visit":
        path = tmp_path / "customers.csv"
        path.write_text(f"customer_id,last_visit,visits,spend\nc-1,{text},3,100\n", "utf-8")
        return path
    if column == "start":
        path = tmp_path / "bookings.csv"
        path.write_text(f"id,resource,start,end\nb-1,room,{text},2026-03-14T11:00+08:00\n", "utf-8")
        return path
    return _file(tmp_path, command, header, row.format(text))


@pytest.mark.parametrize(
    "case", COLUMNS, ids=[f"{command}-{column}-{kind}" for command, column, kind, _, _ in COLUMNS]
)
def test_a_column_takes_the_same_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, str, str, str, str]
) -> None:
    command, column, kind, _header, _row = case
    good, bad = (GOOD_DATES, BAD_DATES) if kind == "DATE" else (GOOD_TIMES, BAD_TIMES)
    as_of = {"customers tier": "2026-03-31", "bookings check": "2026-03-01T00:00Z"}[command]
    for text in good:
        path = str(_cell_file(tmp_path, case, text))
        assert _run(capsys, *command.split(), path, "--as-of", as_of) == (EXIT_OK, ""), text
    for text in bad:
        if column in DAY_OR_TIME and text in GOOD_TIMES + GOOD_DATES:
            continue  # the column takes a day or a time
        path = str(_cell_file(tmp_path, case, text))
        code, err = _run(capsys, *command.split(), path, "--as-of", as_of)
        assert code == EXIT_USAGE, text
        assert f"line 2, column '{column}': not a" in err, (text, err)
        assert not _echoes(err, text)
