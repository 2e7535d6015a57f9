"""`clubrules bookings check`: conflicts found in CSV and JSON exports, and every bad input."""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _io, main

if TYPE_CHECKING:
    from collections.abc import Sequence

HEADER = "id,resource,start,end"
PHONE = "13800138000"


def _csv(tmp_path: Path, *lines: str, name: str = "bookings.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["bookings", "check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = _run(capsys, *args)
    assert code == EXIT_USAGE
    assert out == ""
    assert err.startswith("clubrules: error: ")
    assert PHONE not in err
    return err


# --- what a user sees ---------------------------------------------------------


def test_overlap_is_listed_with_lines_and_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(
        tmp_path,
        HEADER,
        "b-1,li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00",
        "b-2,li-na,2026-03-14T10:30+08:00,2026-03-14T11:30+08:00",
        "b-3,wang-fang,2026-03-14T10:30+08:00,2026-03-14T11:30+08:00",
    )
    code, out, err = _run(capsys, str(path))
    assert code == EXIT_FAILED
    assert err == ""
    assert f"{path}: 3 bookings on 2 resources; 1 conflict" in out
    assert "b-1 (2), b-2 (3)" in out
    assert "2026-03-14 10:30  2026-03-14 11:00  overlap" in out
    assert "wang-fang" not in out.split("\n", 2)[2]


def test_back_to_back_bookings_do_not_conflict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(
        tmp_path,
        HEADER,
        "b-1,li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00",
        "b-2,li-na,2026-03-14T11:00+08:00,2026-03-14T12:00+08:00",
    )
    code, out, _ = _run(capsys, str(path))
    assert code == EXIT_OK
    assert out == f"{path}: 2 bookings on 1 resource; no conflicts\n"


def test_a_buffer_makes_back_to_back_bookings_conflict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(
        tmp_path,
        f"{HEADER},buffer_after",
        "b-1,li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00,15",
        "b-2,li-na,2026-03-14T11:00+08:00,2026-03-14T12:00+08:00,",
    )
    code, out, _ = _run(capsys, str(path), "--json")
    assert code == EXIT_FAILED
    report = json.loads(out)
    assert report["conflicts"] == [
        {
            "kind": "overlap",
            "resource": "li-na",
            "bookings": ["b-1", "b-2"],
            "lines": [2, 3],
            "start": "2026-03-14T11:00:00+08:00",
            "end": "2026-03-14T11:15:00+08:00",
        }
    ]


def test_over_capacity_and_skipped_statuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(
        tmp_path,
        f"{HEADER},capacity,headcount,status,expires_at",
        "b-1,room,2026-03-14T10:00Z,2026-03-14T11:00Z,2,1,,",
        "b-2,room,2026-03-14T10:30Z,2026-03-14T11:30Z,2,1,confirmed,",
        "b-3,room,2026-03-14T10:45Z,2026-03-14T11:00Z,2,1,held,2026-03-13T09:10Z",
        "b-4,room,2026-03-14T10:45Z,2026-03-14T11:00Z,2,2,cancelled,",
    )
    code, out, _ = _run(capsys, str(path), "--json", "--tz", "Asia/Shanghai")
    assert code == EXIT_FAILED
    (window,) = json.loads(out)["conflicts"]
    assert window["kind"] == "over_capacity"
    assert window["bookings"] == ["b-1", "b-2", "b-3"]
    assert window["lines"] == [2, 3, 4]
    assert (window["peak"], window["capacity"]) == (3, 2)
    assert window["start"] == "2026-03-14T18:45:00+08:00"
    # Judged after the hold expired, the same file has no conflict.
    code, out, _ = _run(capsys, str(path), "--as-of", "2026-03-13T10:00Z")
    assert code == EXIT_OK
    assert "no conflicts" in out


def test_a_booking_on_two_resources_takes_two_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(
        tmp_path,
        HEADER,
        "b-1,wang-fang,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00",
        "b-1,room-2,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00",
        "b-2,room-2,2026-03-14T10:30+08:00,2026-03-14T11:30+08:00",
    )
    code, out, _ = _run(capsys, str(path), "--json")
    assert code == EXIT_FAILED
    report = json.loads(out)
    assert (report["bookings"], report["resources"]) == (2, 2)
    assert [c["resource"] for c in report["conflicts"]] == ["room-2"]
    assert report["conflicts"][0]["lines"] == [3, 4]


def test_json_input_names_the_line_of_each_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [
        {"id": "b-1", "resource": "coach", "start": "2026-03-14T18:00", "end": "2026-03-14T19:00"},
        {"id": "b-2", "resource": "coach", "start": "2026-03-14T18:30", "end": "2026-03-14T19:30"},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    code, out, _ = _run(capsys, str(path), "--tz", "Asia/Shanghai", "--json")
    assert code == EXIT_FAILED
    (conflict,) = json.loads(out)["conflicts"]
    assert conflict["lines"] == [2, 8]
    assert conflict["start"] == "2026-03-14T18:30:00+08:00"
    # The same objects in a file without an extension, with --format.
    other = tmp_path / "export"
    other.write_text(json.dumps(items), encoding="utf-8")
    assert _run(capsys, str(other), "--format", "json", "--tz", "UTC")[0] == EXIT_FAILED


def test_an_excel_export_with_bom_and_crlf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "excel.csv"
    rows = [
        "ID,Resource,Start,End",
        "b-1,li-na,2026-03-14 10:00,2026-03-14 11:00",
        "b-2,li-na,2026-03-14 10:59,2026-03-14 12:00",
    ]
    path.write_bytes("\ufeff".encode() + "\r\n".join(rows).encode() + b"\r\n")
    code, out, _ = _run(capsys, str(path), "--tz", "Asia/Shanghai", "--json")
    assert code == EXIT_FAILED
    (conflict,) = json.loads(out)["conflicts"]
    assert conflict["start"] == "2026-03-14T10:59:00+08:00"


def test_json_progress_counts_objects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = [
        {
            "id": f"b-{i}",
            "resource": "r",
            "start": f"2026-03-14T{i % 24:02}:00Z",
            "end": f"2026-03-14T{i % 24:02}:30Z",
        }
        for i in range(24)
    ]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    code, _, err = _run(capsys, str(path), "--progress")
    assert code == EXIT_OK
    assert "100% (24 objects)" in err


def test_an_empty_array_and_a_header_alone_have_no_conflict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "none.json"
    path.write_text(" [ ] \n", encoding="utf-8")
    assert _run(capsys, str(path))[:2] == (
        EXIT_OK,
        f"{path}: 0 bookings on 0 resources; no conflicts\n",
    )
    assert _run(capsys, str(_csv(tmp_path, HEADER)))[0] == EXIT_OK


def test_progress_bar_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"b-{i},r-{i % 7},2026-03-14T10:00+08:00,2026-03-14T10:30+08:00" for i in range(200)]
    code, out, err = _run(capsys, str(_csv(tmp_path, HEADER, *rows)), "--progress")
    assert code == EXIT_FAILED
    assert "100%" in err
    assert "(201 lines)" in err
    assert err.endswith("\n")
    assert "200 bookings on 7 resources" in out


def test_a_bad_row_ends_the_progress_bar_before_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"b-{i},r,2026-03-14T{i:02}:00+08:00,2026-03-14T{i:02}:30+08:00" for i in range(20)]
    path = _csv(tmp_path, HEADER, *rows, "b-x,r,2026-03-14T10:00+08:00,yesterday")
    code, out, err = _run(capsys, str(path), "--progress")
    assert code == EXIT_USAGE
    assert out == ""
    bar, error = err.split("\n")[:2]
    assert bar.startswith("\rreading [")
    assert error.startswith("clubrules: error: ")
    assert "line 22" in error


def test_progress_draws_itself_for_large_files_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [f"b-{i},r-{i},2026-03-14T10:00+08:00,2026-03-14T10:30+08:00" for i in range(50)]
    path = _csv(tmp_path, HEADER, *rows)
    assert _run(capsys, str(path))[2] == ""  # not a terminal
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert _run(capsys, str(path))[2] == ""  # a terminal, but a small file
    monkeypatch.setattr(_io, "LONG_RUN_BYTES", 1000)
    code, out, err = _run(capsys, str(path))
    assert code == EXIT_OK
    assert "no conflicts" in out
    assert err.startswith("\rreading [")
    assert "100% (51 lines)" in err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["bookings"], ["bookings", "check"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--help"])
        assert exit_info.value.code == 0
        assert "usage: clubrules bookings" in capsys.readouterr().out
    assert main(["bookings"]) == EXIT_USAGE
    assert "check" in capsys.readouterr().out


# --- bad input ----------------------------------------------------------------


def test_missing_file_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "does not exist" in _error(capsys, str(tmp_path / "nope.csv"))
    assert "is a directory" in _error(capsys, str(tmp_path))


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, HEADER)
    path.chmod(0)
    try:
        try:
            path.open("rb").close()
        except PermissionError:
            pass
        else:
            pytest.skip("this user reads any file (root)")
        assert "cannot read it (Permission denied)" in _error(capsys, str(path))
    finally:
        path.chmod(0o600)


def test_a_read_error_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_path = _csv(tmp_path, HEADER)
    json_path = tmp_path / "bookings.json"
    json_path.write_text("[]", encoding="utf-8")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    for path in (csv_path, json_path):
        assert f"{path}: cannot read it (Permission denied)" in _error(capsys, str(path))


def test_empty_and_blank_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty.csv: is empty; expected a header line such as id,resource,start,end" in _error(
        capsys, str(empty)
    )
    blank = _csv(tmp_path, "", "  ", name="blank.csv")
    assert "is empty" in _error(capsys, str(blank))
    blank_json = tmp_path / "blank.json"
    blank_json.write_text("\n \n", encoding="utf-8")
    assert "is empty; expected a JSON array" in _error(capsys, str(blank_json))


def test_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(f"{HEADER}\n".encode() + "b-1,李娜,x,y\n".encode("gbk"))
    message = _error(capsys, str(path))
    assert "line 2: is not UTF-8 text" in message
    # The usual cause, a spreadsheet saved on Chinese Windows, and its cure.
    assert f"iconv -f GBK -t UTF-8 {path} > {tmp_path / 'gbk-utf8.csv'}" in message
    json_path = tmp_path / "gbk.json"
    json_path.write_bytes('[{"id": "李娜"}]'.encode("gbk"))
    assert "iconv -f GBK -t UTF-8" in _error(capsys, str(json_path))


def test_counts_take_the_singular_for_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "one.csv"
    path.write_text(
        f"{HEADER}\nb-1,li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00\n", encoding="utf-8"
    )
    assert main(["bookings", "check", str(path)]) == EXIT_OK
    assert capsys.readouterr().out == f"{path}: 1 booking on 1 resource; no conflicts\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "b-9,li-na,tomorrow,2026-03-14T11:00+08:00",
            "line 3, column 'start': not an ISO 8601 time",
        ),
        ("b-9,li-na,2026-03-14T10:00+08:00,11:00", "line 3, column 'end': not an ISO 8601 time"),
        (
            "b-9,li-na,2026-03-14T10:00+08:00,2026-03-14T09:00+08:00",
            "line 3, column 'end': is before start",
        ),
        (
            "b-9,li-na,2026-03-14T10:00+08:00,2026-03-14T10:00+08:00",
            "line 3, column 'end': is the same as start",
        ),
        (",li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00", "line 3, column 'id': is empty"),
        (
            "b-9,,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00",
            "line 3, column 'resource': is empty",
        ),
        (
            "b-9,li-na,2026-03-14T10:00,2026-03-14T11:00",
            "line 3, column 'start': has no UTC offset; add one (+08:00) or pass --tz",
        ),
        ("b-9,li-na,2026-03-14T10:00+08:00", "line 3: has 3 cells; the header has 4"),
        (
            "b-1,li-na,2026-03-14T12:00+08:00,2026-03-14T13:00+08:00",
            "line 3, column 'resource': the booking already uses this resource (line 2)",
        ),
    ],
)
def test_a_malformed_row_is_named_by_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    path = _csv(tmp_path, HEADER, "b-1,li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00", row)
    err = _error(capsys, str(path))
    assert err.startswith(f"clubrules: error: {path}: {message}")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("capacity", "0", "column 'capacity': not a whole number of at least 1"),
        ("capacity", "1.5", "column 'capacity': not a whole number of at least 1"),
        ("headcount", "3", "column 'headcount': is more than the capacity (1)"),
        ("buffer_after", "-5", "column 'buffer_after': not a whole number of at least 0"),
        ("status", "booked", "column 'status': not a booking status (held, pending, confirmed"),
        ("status", "held", "column 'expires_at': a held booking needs an expiry time"),
        ("expires_at", "soon", "column 'expires_at': not an ISO 8601 time"),
    ],
)
def test_optional_columns_are_checked(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    column: str,
    value: str,
    message: str,
) -> None:
    path = _csv(
        tmp_path,
        f"{HEADER},{column}",
        f"b-1,li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00,{value}",
    )
    assert f": line 2, {message}" in _error(capsys, str(path))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "id,resource,start",
            "line 1: missing required column 'end'; expected id, resource, start, end",
        ),
        ("id,resource,start,end,room", "line 1: unknown column 'room'; expected id, resource"),
        ("id,resource,start,end,start", "line 1: column 'start' appears twice"),
        ("id,resource,,start,end", "line 1: column number 3 has no name"),
        (
            f"b-1,{PHONE},2026-03-14T10:00+08:00,2026-03-14T11:00+08:00",
            "line 1: unknown column 'b-1'",
        ),
    ],
)
def test_header_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, message: str
) -> None:
    path = _csv(tmp_path, header, f"b-2,{PHONE},2026-03-14T10:00+08:00,2026-03-14T11:00+08:00")
    assert message in _error(capsys, str(path))


def test_a_headerless_file_never_echoes_a_phone_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path, f"{PHONE},li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00")
    err = _error(capsys, str(path))
    assert "unknown column number 1 (is the header line missing?)" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "b-1"}', "line 1: expected a JSON array of objects"),
        ('[\n  {"id": "b-1",\n   "resource": }\n]', "line 3: is not valid JSON (Expecting value)"),
        ('[\n  "b-1"\n]', "line 2: expected a JSON object"),
        (
            '[\n{"id": "b-1", "resource": "r", "start": "2026-03-14T10:00Z", "end": 5}\n]',
            "line 2, key 'end': not an ISO 8601 time",
        ),
        (
            (
                '[\n{"id": "b-1", "resource": "r", "start": "2026-03-14T10:00Z",\n'
                ' "end": "2026-03-14T11:00Z", "capacity": 1.0}\n]'
            ),
            "line 2, key 'capacity': expected a string or a whole number",
        ),
        (
            '[\n{"id": "b-1", "resource": "r", "start": "2026-03-14T10:00Z"}\n]',
            "line 2: missing required key 'end'",
        ),
        ('[\n{"id": "b-1", "phone": "x"}\n]', "line 2: unknown key 'phone'"),
        (
            (
                '[{"id": "b-1", "resource": "r", "start": "2026-03-14T10:00Z",'
                ' "end": "2026-03-14T11:00Z"}\n\n'
            ),
            "line 3: expected ',' or ']' after an object",
        ),
        ("[]\n[]", "line 2: has text after the array"),
    ],
)
def test_json_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "bookings.json"
    path.write_text(text, encoding="utf-8")
    assert f"{path}: {message}" in _error(capsys, str(path))


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, HEADER, name="bookings.txt")
    assert "pass --format csv or json" in _error(capsys, str(path))
    good = _csv(tmp_path, HEADER)
    assert "'Mars/Olympus' is not a known IANA time zone" in _error(
        capsys, str(good), "--tz", "Mars/Olympus"
    )
    assert "--as-of: not an ISO 8601 time" in _error(capsys, str(good), "--as-of", "noon")


def test_errors_are_json_with_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, HEADER, "b-1,li-na,2026-03-14T10:00+08:00,later")
    code, out, err = _run(capsys, str(path), "--json")
    assert (code, err) == (EXIT_USAGE, "")
    assert json.loads(out) == {
        "error": f"{path}: line 2, column 'end': not an ISO 8601 time (such as "
        "2026-03-14T10:00+08:00)",
        "type": "InputError",
        "line": 2,
        "column": "end",
    }


# --- agreement with a slow oracle ---------------------------------------------------

BASE = datetime.fromisoformat("2026-03-14T09:00+08:00")
CAPACITY = {"ann": 1, "bo": 1, "room": 2}


@st.composite
def _rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 9))):
        start = draw(st.integers(0, 16)) * 15
        length = draw(st.integers(1, 6)) * 15
        status = draw(st.sampled_from(["confirmed", "completed", "cancelled", "held"]))
        expires = draw(st.integers(0, 8)) * 30
        resources = draw(
            st.lists(st.sampled_from(sorted(CAPACITY)), min_size=1, max_size=2, unique=True)
        )
        rows.extend(
            {
                "id": f"b-{i}",
                "resource": resource,
                "start": start,
                "end": start + length,
                "before": draw(st.sampled_from([0, 0, 10])),
                "after": draw(st.sampled_from([0, 0, 5, 15])),
                "headcount": draw(st.integers(1, CAPACITY[resource])),
                "status": status,
                "expires": expires if status == "held" else None,
                "utc": draw(st.booleans()),
            }
            for resource in resources
        )
    return rows


def _at(minutes: int | None, *, utc: bool = False) -> str:
    if minutes is None:
        return ""
    at = BASE + timedelta(minutes=minutes)
    return (at.astimezone(UTC) if utc else at).isoformat()


def _oracle(rows: Sequence[dict[str, Any]], as_of: int | None) -> set[tuple[object, ...]]:
    """Every overlapping pair on capacity 1; every maximal over-capacity window above it."""
    live = [
        r
        for r in rows
        if r["status"] != "cancelled"
        and not (r["status"] == "held" and as_of is not None and r["expires"] <= as_of)
    ]
    busy = [(r, r["start"] - r["before"], r["end"] + r["after"]) for r in live]
    found: set[tuple[object, ...]] = set()
    for i, (a, a_lo, a_hi) in enumerate(busy):
        for b, b_lo, b_hi in busy[i + 1 :]:
            same = a["resource"] == b["resource"] and a["id"] != b["id"]
            if same and CAPACITY[a["resource"]] == 1 and max(a_lo, b_lo) < min(a_hi, b_hi):
                found.add(
                    (
                        "overlap",
                        a["resource"],
                        frozenset({a["id"], b["id"]}),
                        max(a_lo, b_lo),
                        min(a_hi, b_hi),
                        None,
                    )
                )
    for resource, capacity in CAPACITY.items():
        if capacity == 1:
            continue
        mine = [(r, lo, hi) for r, lo, hi in busy if r["resource"] == resource]
        points = sorted({p for _, lo, hi in mine for p in (lo, hi)})
        window: list[Any] | None = None
        for lo, hi in itertools.pairwise(points):
            here = [r for r, s, e in mine if s <= lo and hi <= e]
            load = sum(r["headcount"] for r in here)
            if load > capacity:
                if window is None:
                    window = [lo, hi, load, set()]
                window[1], window[2] = hi, max(window[2], load)
                window[3].update(r["id"] for r in here)
            elif window is not None:
                found.add(("over", resource, frozenset(window[3]), window[0], window[1], window[2]))
                window = None
        if window is not None:
            found.add(("over", resource, frozenset(window[3]), window[0], window[1], window[2]))
    return found


def _minutes(text: str) -> int:
    return int((datetime.fromisoformat(text) - BASE) / timedelta(minutes=1))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=_rows(),
    as_json=st.booleans(),
    as_of=st.none() | st.integers(0, 8).map(lambda n: n * 30),
)
def test_check_agrees_with_a_pairwise_oracle(
    capsys: pytest.CaptureFixture[str],
    rows: list[dict[str, Any]],
    as_json: bool,
    as_of: int | None,
) -> None:
    columns = (
        "id,resource,start,end,buffer_before,buffer_after,capacity,headcount,status,expires_at"
    )
    with tempfile.TemporaryDirectory() as folder:
        if as_json:
            path = Path(folder) / "b.json"
            items = [
                {
                    "id": r["id"],
                    "resource": r["resource"],
                    "start": _at(r["start"], utc=r["utc"]),
                    "end": _at(r["end"]),
                    "buffer_before": r["before"],
                    "buffer_after": r["after"],
                    "capacity": CAPACITY[r["resource"]],
                    "headcount": r["headcount"],
                    "status": r["status"],
                    "expires_at": _at(r["expires"], utc=True) or None,
                }
                for r in rows
            ]
            path.write_text(json.dumps(items, indent=1), encoding="utf-8")
        else:
            path = Path(folder) / "b.csv"
            lines = [columns] + [
                f"{r['id']},{r['resource']},{_at(r['start'], utc=r['utc'])},{_at(r['end'])},"
                f"{r['before']},{r['after']},{CAPACITY[r['resource']]},{r['headcount']},"
                f"{r['status']},{_at(r['expires'])}"
                for r in rows
            ]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        judged = [] if as_of is None else ["--as-of", _at(as_of)]
        code = main(["bookings", "check", str(path), "--json", *judged])
    report = json.loads(capsys.readouterr().out)
    got = {
        (
            "overlap" if c["kind"] == "overlap" else "over",
            c["resource"],
            frozenset(c["bookings"]),
            _minutes(c["start"]),
            _minutes(c["end"]),
            c.get("peak"),
        )
        for c in report["conflicts"]
    }
    expected = _oracle(rows, as_of)
    assert got == expected
    assert len(report["conflicts"]) == len(expected)
    assert code == (EXIT_FAILED if expected else EXIT_OK)
    if not as_json:  # each booking is named with the line of its row on that resource
        line_of = {(r["id"], r["resource"]): n for n, r in enumerate(rows, start=2)}
        for c in report["conflicts"]:
            assert c["lines"] == [line_of[b, c["resource"]] for b in c["bookings"]]


def test_the_report_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(
        tmp_path,
        HEADER,
        "b-1,li-na,2026-03-14T10:00+08:00,2026-03-14T11:00+08:00",
        "b-2,li-na,2026-03-14T10:30+08:00,2026-03-14T11:30+08:00",
    )
    code, out, err = _run(capsys, str(path), "--lang", "zh")
    assert (code, err) == (EXIT_FAILED, "")
    assert f"{path}：1个资源上的2个预约；1处冲突" in out  # noqa: RUF001
    assert "重叠" in out
    assert "overlap" not in out
    code, out, _ = _run(capsys, str(path))
    assert "1 resource; 1 conflict" in out
