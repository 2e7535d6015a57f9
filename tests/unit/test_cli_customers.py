"""`clubrules customers tier`: RFM, segments, tiers and churn warnings from a CSV of summaries."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clubrules.care import ChurnRule, SingleVisitRule
from clubrules.cli import EXIT_OK, EXIT_USAGE, main
from clubrules.cli._io import display_width

SAMPLE = """\
customer_id,first_visit,last_visit,visits,spend,tier,baseline_visits,recent_visits,baseline_spend,recent_spend
c-001,2024-05-02,2026-03-29,26,12800.00,gold,7,3,3600.00,1200.00
c-002,2025-01-10,2026-03-30,14,3250.50,member,3,2,700.00,500.00
c-003,2025-02-01,2026-01-05,9,2600.00,silver,4,0,900.00,0.00
c-004,2024-11-20,2026-03-20,18,5400.00,silver,8,1,2400.00,150.00
c-005,2026-03-08,2026-03-08,1,380.00,,0,1,0.00,380.00
c-006,2025-06-18,2026-02-14,5,900.00,,2,0,360.00,0.00
c-007,2023-09-09,2025-08-30,3,450.00,silver,0,0,0.00,0.00
c-008,2025-03-03,2026-03-25,11,9870.00,silver,3,2,2700.00,2400.00
"""
HEADER = "customer_id,last_visit,visits,spend"
PHONE = "13800138000"


def _csv(tmp_path: Path, *lines: str, name: str = "customers.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["customers", "tier", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = _run(capsys, *args, "--json")
    assert (code, err) == (EXIT_OK, "")
    result: dict[str, Any] = json.loads(out)
    return result


def _by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["customer_id"]: c for c in report["customers"]}


def _error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = _run(capsys, *args)
    assert code == EXIT_USAGE
    assert out == ""
    assert err.startswith("clubrules: error: ")
    assert PHONE not in err
    return err


# --- what a user sees ---------------------------------------------------------


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def test_month_end_run_on_a_review_day(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _json(capsys, str(sample), "--as-of", "2026-03-31")
    assert report["as_of"] == "2026-03-31"
    assert report["run_at"] == "2026-04-01T00:00:00+08:00"
    assert report["program"]["review_due"] == "2026-04-01"
    customers = _by_id(report)
    assert len(customers) == 8
    champion = customers["c-001"]
    assert (champion["recency_days"], champion["visits"], champion["spend"]) == (2, 26, "12800.00")
    assert champion["rfm"] == {"r": 5, "f": 5, "m": 5, "code": "555"}
    assert champion["segment"] == "Champions"
    up = customers["c-002"]["tier"]
    assert (up["previous"], up["tier"], up["change"], up["reason"]) == (
        "member",
        "silver",
        "upgrade",
        "qualified",
    )
    assert (up["next_tier"], up["to_reach_next"]) == ("gold", "6749.50")  # exact decimals
    down = customers["c-007"]["tier"]
    assert (down["tier"], down["change"], down["review"]) == ("member", "downgrade", "2026-04-01")
    kept = customers["c-003"]["tier"]
    assert (kept["tier"], kept["reason"]) == ("silver", "retained")  # 2600 >= retain 2400
    (drop,) = customers["c-004"]["churn"]
    assert (drop["rule"], drop["severity"], drop["action"]) == ("activity-drop", "high", "offer")
    assert drop["visit_drop"] == "0.6250"
    (once,) = customers["c-005"]["churn"]
    assert (once["rule"], once["severity"]) == ("single-visit", "low")
    assert report["tier_changes"] == 2
    assert report["churn_warnings"] == 3
    assert {c for c, v in customers.items() if v["churn"]} == {"c-003", "c-004", "c-005"}


def test_table_output(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(sample), "--as-of", "2026-03-31")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0].endswith(
        "8 customers, 365 days through 2026-03-31 (Asia/Shanghai); spend in CNY"
    )
    assert "the 2026-04-01 review applies" in lines[1]
    row = next(line for line in lines if line.startswith("c-002"))
    assert row.split() == [
        "c-002",
        "1",
        "14",
        "3250.50",
        "543",
        "Loyal",
        "silver",
        "<-",
        "member",
        "(qualified)",
    ]
    assert "2 tier changes; 3 churn warnings" in out
    warning = next(line for line in lines if line.startswith("c-004") and "offer" in line)
    assert "visits per day down 62%" in warning


def test_between_reviews_only_upgrades(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _json(capsys, str(sample), "--as-of", "2026-03-30")
    assert report["program"]["review_due"] is None
    customers = _by_id(report)
    assert customers["c-002"]["tier"]["change"] == "upgrade"
    kept = customers["c-007"]["tier"]
    assert (kept["tier"], kept["reason"], kept["next_review"]) == (
        "silver",
        "no_review_due",
        "2026-04-01",
    )
    code, out, _ = _run(capsys, str(sample), "--as-of", "2026-03-30")
    assert code == EXIT_OK
    assert "no review due (next 2026-04-01): upgrades only" in out


def test_amounts_are_exact_at_the_tier_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(
        tmp_path,
        HEADER,
        "a,2026-03-01,3,2999.99",
        "b,2026-03-01,3,3000.00",
        "c,2026-03-01,3,0.10",
        "d,,0,",
    )
    customers = _by_id(_json(capsys, str(path), "--as-of", "2026-03-10"))
    assert customers["a"]["tier"]["tier"] == "member"
    assert customers["a"]["tier"]["to_reach_next"] == "0.01"
    assert customers["b"]["tier"]["tier"] == "silver"
    assert customers["c"]["spend"] == "0.10"
    never = customers["d"]
    assert (never["recency_days"], never["visits"], never["spend"], never["churn"]) == (
        None,
        0,
        "0.00",
        [],
    )


def test_last_review_column_applies_a_review_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(
        tmp_path,
        f"{HEADER},tier,last_review",
        "a,2026-03-01,3,100,gold,2026-04-01",
        "b,2026-03-01,3,100,gold,2026-01-01",
    )
    customers = _by_id(_json(capsys, str(path), "--as-of", "2026-04-02"))
    assert customers["a"]["tier"]["reason"] == "no_review_due"
    assert customers["b"]["tier"]["reason"] == "downgraded"


def test_default_as_of_is_today_in_the_club_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    path = _csv(tmp_path, HEADER, f"a,{today},1,100", f"b,{today - timedelta(days=3)},2,50")
    report = _json(capsys, str(path), "--tz", "Pacific/Kiritimati")
    assert report["as_of"] in {today.isoformat(), (today + timedelta(days=1)).isoformat()}
    assert report["zone"] == "Pacific/Kiritimati"
    assert report["run_at"].endswith("+14:00")
    customers = _by_id(report)
    assert customers["a"]["recency_days"] in {0, 1}


def test_times_with_offsets_and_another_currency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path, HEADER, "a,2026-03-11T07:00+08:00,1,12.5", "b,2026-03-09T10:00,1,8")
    report = _json(capsys, str(path), "--as-of", "2026-03-10", "--tz", "UTC", "--currency", "EUR")
    assert report["currency"] == "EUR"
    customers = _by_id(report)
    assert customers["a"]["recency_days"] == 0
    assert customers["b"]["recency_days"] == 1


def test_progress_bar_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"c-{i:04},2026-03-{1 + i % 28:02},{1 + i % 9},{i * 10}.00" for i in range(300)]
    code, out, err = _run(
        capsys, str(_csv(tmp_path, HEADER, *rows)), "--as-of", "2026-03-31", "--progress"
    )
    assert code == EXIT_OK
    assert "100% (301 lines)" in err
    assert "300 customers" in out


def test_a_bad_row_ends_the_progress_bar_before_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"c-{i:04},2026-03-{1 + i:02},1,10.00" for i in range(20)]
    path = _csv(tmp_path, HEADER, *rows, "c-x,2026-03-01,one,10.00")
    code, out, err = _run(capsys, str(path), "--as-of", "2026-03-31", "--progress")
    assert code == EXIT_USAGE
    assert out == ""
    bar, error = err.split("\n")[:2]
    assert bar.startswith("\rreading [")
    assert error.startswith("clubrules: error: ")
    assert "line 22" in error


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["customers"], ["customers", "tier"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--help"])
        assert exit_info.value.code == 0
        assert "usage: clubrules customers" in capsys.readouterr().out
    assert main(["customers"]) == EXIT_USAGE
    assert "tier" in capsys.readouterr().out


def test_help_names_what_churn_needs_with_the_rules_own_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["customers", "tier", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    churn, single = ChurnRule(), SingleVisitRule()
    assert "Churn warnings need the column first_visit" in text
    assert f"more than {churn.threshold * 100:.0f}% against the baseline" in text
    assert f"at least {churn.min_baseline_visits} baseline visits" in text
    assert f"in the {churn.baseline_days} days before the last {churn.recent_days}" in text
    # The single-visit window: at least after_days, less than give_up_days.
    assert f"{single.after_days} to {single.give_up_days - 1} days before the run" in text


def test_one_customer_and_amounts_echoed_with_two_places(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path, HEADER, "c-1,2026-03-01,1,1280.5")
    code, out, _err = _run(capsys, str(path), "--as-of", "2026-03-31")
    assert code == EXIT_OK
    assert out.startswith(f"{path}: 1 customer, 365 days")
    assert "  1280.50  " in out
    assert "0 tier changes; 0 churn warnings" in out
    for given, shown in [("7", "7.00"), ("12.000000", "12.00"), ("0.125", "0.125")]:
        path = _csv(tmp_path, HEADER, f"c-1,2026-03-01,1,{given}")
        assert _by_id(_json(capsys, str(path), "--as-of", "2026-03-31"))["c-1"]["spend"] == shown


def test_a_gbk_file_gets_the_conversion_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(f"{HEADER}\n王芳,2026-03-01,1,12\n".encode("gbk"))
    message = _error(capsys, str(path), "--as-of", "2026-03-31")
    assert "line 2: is not UTF-8 text" in message
    assert "iconv -f GBK -t UTF-8" in message


# --- bad input ----------------------------------------------------------------


def test_missing_and_empty_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "does not exist" in _error(capsys, str(tmp_path / "nope.csv"))
    assert "is a directory" in _error(capsys, str(tmp_path))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "is empty; expected a header line such as customer_id,last_visit,visits,spend" in (
        _error(capsys, str(empty))
    )


def test_a_read_error_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path, HEADER)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert f"{path}: cannot read it (Permission denied)" in _error(capsys, str(path))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"{PHONE},2026-03-01,many,100", "line 3, column 'visits': not a whole number"),
        (f"{PHONE},2026-03-01,,100", "line 3, column 'visits': is empty"),
        (f'{PHONE},2026-03-01,2,"1,200.00"', "line 3, column 'spend': not an amount"),
        (f"{PHONE},2026-03-01,2,1e3", "line 3, column 'spend': not an amount"),
        (f"{PHONE},2026-03-01,2,¥100", "line 3, column 'spend': not an amount"),
        (f"{PHONE},2026-03-01,2,-5", "line 3, column 'spend': is negative"),
        (f"{PHONE},last week,2,100", "line 3, column 'last_visit': not an ISO 8601 time"),
        (f"{PHONE},2026-02-30,2,100", "line 3, column 'last_visit': not a date"),
        (f"{PHONE},2026-04-01,2,100", "line 3, column 'last_visit': is after --as-of"),
        (f"{PHONE},2025-01-01,2,100", "line 3, column 'last_visit': is more than 365 days"),
        (f"{PHONE},,2,100", "line 3, column 'last_visit': is empty, but visits is above 0"),
        (f"{PHONE},2026-03-01,2", "line 3: has 3 cells; the header has 4"),
        ("a,2026-03-01,2,100", "line 3, column 'customer_id': the customer is already on line 2"),
        (",2026-03-01,2,100", "line 3, column 'customer_id': is empty"),
    ],
)
def test_a_malformed_row_is_named_by_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    path = _csv(tmp_path, HEADER, "a,2026-03-01,1,100", row)
    err = _error(capsys, str(path), "--as-of", "2026-03-31")
    assert err.startswith(f"clubrules: error: {path}: {message}")


@pytest.mark.parametrize(
    ("columns", "row", "message"),
    [
        ("tier", "a,2026-03-01,1,100,platinum", "column 'tier': not a tier of the program"),
        ("last_review", "a,2026-03-01,1,100,someday", "column 'last_review': not a date"),
        (
            "first_visit",
            "a,2026-03-01,1,100,2026-03-02",
            "column 'first_visit': is after last_visit",
        ),
        ("first_visit", "a,2026-03-01,1,100,", "column 'first_visit': is empty, but last_visit"),
        (
            "first_visit",
            "a,,0,0,2026-03-01",
            "column 'first_visit': is set, but last_visit is empty",
        ),
        (
            "first_visit,baseline_visits,recent_visits,baseline_spend,recent_spend",
            "a,2026-03-01,1,100,2025-01-01,5,1,300.005,0",
            "column 'baseline_spend': has more than two decimal places",
        ),
        (
            "first_visit,baseline_visits,recent_visits",
            "a,2026-03-01,1,100,2025-01-01,five,1",
            "column 'baseline_visits': not a whole number",
        ),
    ],
)
def test_optional_columns_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], columns: str, row: str, message: str
) -> None:
    path = _csv(tmp_path, f"{HEADER},{columns}", row)
    assert f"{path}: line 2, {message}" in _error(capsys, str(path), "--as-of", "2026-03-31")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("customer_id,last_visit,visits", "line 1: missing required column 'spend'"),
        (f"{HEADER},phone", "line 1: unknown column 'phone'; expected customer_id"),
        (f"{HEADER},recent_visits", "column 'recent_visits' needs column 'baseline_visits'"),
        (
            f"{HEADER},first_visit,baseline_spend,recent_spend",
            "columns 'baseline_spend' and 'recent_spend' need 'baseline_visits'",
        ),
        (f"{HEADER},baseline_visits,recent_visits", "the churn columns need column 'first_visit'"),
    ],
)
def test_column_set_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, message: str
) -> None:
    cells = len(header.split(","))
    row = ",".join([PHONE, "2026-03-01", "1", "100", *["1"] * (cells - 4)])
    path = _csv(tmp_path, header, row)
    assert message in _error(capsys, str(path), "--as-of", "2026-03-31")


def test_a_headerless_file_never_echoes_a_phone_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path, f"{PHONE},2026-03-01,1,100")
    assert "unknown column number 1 (is the header line missing?)" in _error(capsys, str(path))


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--as-of", "2026-02-30", "--as-of: not a date (YYYY-MM-DD)"),
        ("--as-of", "yesterday", "--as-of: not a date (YYYY-MM-DD)"),
        ("--tz", "Asia/Nowhere", "--tz: 'Asia/Nowhere' is not a known IANA time zone"),
        ("--currency", "rmb", "--currency: 'rmb' is not a three-letter ISO 4217 code"),
    ],
)
def test_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    path = _csv(tmp_path, HEADER, "a,2026-03-01,1,100")
    assert _error(capsys, str(path), option, value) == f"clubrules: error: {message}\n"


def test_errors_are_json_with_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, HEADER, f"{PHONE},2026-03-01,1,lots")
    code, out, err = _run(capsys, str(path), "--as-of", "2026-03-31", "--json")
    assert (code, err) == (EXIT_USAGE, "")
    assert PHONE not in out
    error = json.loads(out)
    assert (error["line"], error["column"]) == (2, "spend")
    assert error["error"].startswith(f"{path}: line 2, column 'spend': not an amount")


def test_table_output_in_chinese(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(sample), "--as-of", "2026-03-31", "--lang", "zh")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0].endswith("8位顾客，截至2026-03-31的365天（Asia/Shanghai）；消费以 CNY 计")  # noqa: RUF001
    row = next(line for line in lines if line.startswith("c-002"))
    assert row.split()[-4:] == ["silver", "<-", "member", "(达标升级)"]
    assert "2次等级变动；3条流失预警" in out  # noqa: RUF001
    warning = next(line for line in lines if line.startswith("c-004") and "挽留优惠" in line)
    assert "日均到店次数下降62%" in warning
    assert "churn warnings" not in out


def test_chinese_columns_line_up_on_a_terminal(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, str(sample), "--as-of", "2026-03-31", "--lang", "zh")
    assert code == EXIT_OK
    rows = [line for line in out.splitlines() if line.startswith("c-")][:8]  # the tier table
    # Every row starts its tier column at one terminal column, a CJK character counted twice.
    starts = {display_width(row[: row.index(row.split()[6])]) for row in rows}
    assert len(starts) == 1, rows


def test_display_width_counts_wide_characters_twice() -> None:
    assert (display_width("c-001"), display_width("冠军客户"), display_width("VIP客户")) == (
        5,
        8,
        7,
    )
