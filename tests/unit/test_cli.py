"""The `clubrules` command line: help, version, exit codes and the demo."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from clubrules import __version__
from clubrules.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from clubrules.storage.migrations import latest_version

if TYPE_CHECKING:
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"clubrules {__version__}"


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "demo" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("clubrules: error: argument COMMAND: invalid choice")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["db"],
        ["db", "migrate"],
        ["keys"],
        ["keys", "new"],
        ["keys", "rotate"],
        ["keys", "rewrap"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: clubrules" in capsys.readouterr().out


def test_demo_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("  clubrules demo")
    assert out.rstrip().endswith("Done.")


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "clubrules", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"clubrules {__version__}"


def test_db_migrate_reports_the_version_then_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/club.db"
    assert main(["db", "migrate", "--url", url]) == EXIT_OK
    first = capsys.readouterr().out
    assert f"from version 0 to {latest_version('sqlite')}" in first
    assert main(["db", "migrate", "--url", url]) == EXIT_OK
    assert f"already at version {latest_version('sqlite')}" in capsys.readouterr().out


def test_db_migrate_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/club.db"
    assert main(["db", "migrate", "--url", url, "--to", "0", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == {
        "dialect": "sqlite",
        "previous_version": 0,
        "version": 0,
        "applied": [],
    }
    assert main(["db", "migrate", "--url", url, "--json"]) == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert result["version"] == latest_version("sqlite")
    assert len(result["applied"]) == latest_version("sqlite")


@pytest.mark.parametrize("version", ["\uff11", "\u0663", "1_0", "+1", " 1", "1.0", "-1", ""])
def test_db_migrate_to_takes_ascii_digits_only(
    version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # int() would read full-width and Arabic-Indic digits and underscores; no file is made.
    url = f"sqlite:///{tmp_path}/club.db"
    assert main(["db", "migrate", "--url", url, "--to", version]) == EXIT_USAGE
    assert "is not a whole number (digits 0-9)" in capsys.readouterr().err
    assert not (tmp_path / "club.db").exists()


@pytest.mark.parametrize("key_id", ["\uff11", "1_0", "+1", "1.0"])
def test_keys_retire_key_id_takes_ascii_digits_only(
    key_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys.json"
    assert main(["keys", "new", "--file", str(keys)]) == EXIT_OK
    before = keys.read_bytes()
    capsys.readouterr()
    assert main(["keys", "retire", "--file", str(keys), "--key-id", key_id]) == EXIT_USAGE
    assert "is not a whole number (digits 0-9)" in capsys.readouterr().err
    assert keys.read_bytes() == before


def test_db_migrate_refuses_an_unknown_url_without_echoing_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["db", "migrate", "--url", "mysql://root:s3cret@db/club"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "sqlite:///" in err
    assert "s3cret" not in err


def test_db_migrate_fails_on_a_newer_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/club.db"
    assert main(["db", "migrate", "--url", url]) == EXIT_OK
    import sqlite3  # noqa: PLC0415 - only this test pokes at the file

    conn = sqlite3.connect(tmp_path / "club.db")
    with conn:
        conn.execute("INSERT INTO clubrules_schema_version VALUES (999, 'future', 'x', 0)")
    conn.close()
    capsys.readouterr()
    assert main(["db", "migrate", "--url", url, "--json"]) == EXIT_FAILED
    error = json.loads(capsys.readouterr().out)
    assert error["type"] == "MigrationError"
    assert "999" in error["error"]


def test_db_without_a_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db"]) == EXIT_USAGE
    assert "migrate" in capsys.readouterr().out


@pytest.mark.postgres
def test_db_migrate_on_postgres(
    postgres_cluster: PostgresCluster, capsys: pytest.CaptureFixture[str]
) -> None:

    cli_migrate_url = postgres_cluster.create_database("cli_migrate")
    url = cli_migrate_url
    assert main(["db", "migrate", "--url", url, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["dialect"] == "postgres"
    assert main(["db", "migrate", "--url", url]) == EXIT_OK
    assert "already at version" in capsys.readouterr().out


def test_a_closed_output_pipe_ends_quietly() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "clubrules", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as reader:
        assert reader.stdout is not None
        assert reader.stderr is not None
        first = reader.stdout.readline()
        reader.stdout.close()  # like `| head -1`
        err = reader.stderr.read().decode()
        assert reader.wait(timeout=60) == 141
    assert first.startswith(b"  clubrules demo")
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err


def _all_commands() -> list[list[str]]:
    import argparse  # noqa: PLC0415

    from clubrules.cli import _build_parser  # noqa: PLC0415 - walking the real parser

    found: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(_build_parser(), [])
    return found


def test_every_command_of_the_real_parser_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _all_commands()
    assert ["bookings", "check"] in commands
    assert ["customers", "tier"] in commands
    for command in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--help"])
        assert exit_info.value.code == 0, command
        out = capsys.readouterr().out
        assert f"usage: clubrules {' '.join(command)}" in out, command


def test_an_unknown_option_points_at_its_commands_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `--db` is not the demo's option; the demo's help, which names --database, is.
    assert main(["demo", "--db", "salon.db"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == (
        "clubrules: error: unrecognized arguments: --db salon.db (see 'clubrules demo --help')\n"
    )
    assert main(["keys", "rewrap", "--file", "k", "--input", "i", "--output", "o", "-x"]) == 2
    assert "(see 'clubrules keys rewrap --help')" in capsys.readouterr().err


def test_the_demo_names_its_database_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "salon.db"
    taken.write_text("", encoding="utf-8")
    assert main(["demo", "--database", str(taken)]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"clubrules: error: --database {taken}: names a file that already exists; give a new path\n"
    )
    assert main(["demo", "--database", ""]) == EXIT_USAGE
    assert "--database is empty" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "--database PATH" in capsys.readouterr().out
