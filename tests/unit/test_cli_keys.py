"""`clubrules keys`: new, rotate and rewrap, with their exit codes and JSON output."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from clubrules.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from clubrules.privacy import (
    FieldCipher,
    FileKeyProvider,
    Keyring,
    sealed_from_text,
    sealed_key_id,
    sealed_to_text,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_new_then_rotate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keyring = tmp_path / "keys.json"
    assert main(["keys", "new", "--file", str(keyring), "--json"]) == EXIT_OK
    assert _json(capsys) == {"file": str(keyring), "primary_key_id": 1}
    assert keyring.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert main(["keys", "rotate", "--file", str(keyring), "--json"]) == EXIT_OK
    assert _json(capsys) == {"file": str(keyring), "primary_key_id": 2, "previous_key_id": 1}
    assert Keyring.from_provider(FileKeyProvider(keyring)).primary_id == 2
    # Key material never reaches the terminal.
    assert main(["keys", "rotate", "--file", str(keyring)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "key 3 is primary" in out
    assert json.loads(keyring.read_text())  # still a whole file


def test_new_refuses_to_overwrite_and_rotate_needs_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring = tmp_path / "keys.json"
    keyring.write_text("{}")
    assert main(["keys", "new", "--file", str(keyring)]) == EXIT_USAGE
    assert "already exists" in capsys.readouterr().err
    assert keyring.read_text() == "{}"
    assert main(["keys", "rotate", "--file", str(tmp_path / "missing.json")]) == EXIT_USAGE
    assert "does not exist" in capsys.readouterr().err


def _sealed_lines(keyring: Path, values: list[str]) -> list[str]:
    cipher = FieldCipher(Keyring.from_provider(FileKeyProvider(keyring)))
    lines = []
    for i, value in enumerate(values):
        place = {**PLACE, "record_id": f"c-{i}"}
        lines.append(json.dumps({**place, "sealed": sealed_to_text(cipher.seal(value, **place))}))
    return lines


def test_rewrap_moves_every_value_to_the_new_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring, source, target = tmp_path / "keys.json", tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    main(["keys", "new", "--file", str(keyring)])
    values = ["花粉", "penicillin", "乳胶"]
    source.write_text("\n".join(_sealed_lines(keyring, values)) + "\n", encoding="utf-8")
    main(["keys", "rotate", "--file", str(keyring)])
    capsys.readouterr()
    args = ["keys", "rewrap", "--file", str(keyring), "--input", str(source)]
    assert main([*args, "--output", str(target), "--json", "--progress"]) == EXIT_OK
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"values": 3, "rewrapped": 3, "primary_key_id": 2}
    assert "100%" in captured.err
    for secret in values:
        assert secret not in captured.out + captured.err + target.read_text(encoding="utf-8")
    cipher = FieldCipher(Keyring.from_provider(FileKeyProvider(keyring)))
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    opened = []
    for row in rows:
        sealed = sealed_from_text(row["sealed"])
        assert sealed_key_id(sealed) == 2
        place = {key: row[key] for key in ("record_type", "record_id", "field")}
        opened.append(cipher.open(sealed, **place))
    assert opened == values
    # Running it again changes nothing.
    assert main([*args[:-1], str(target), "--output", str(target), "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["rewrapped"] == 0


def test_rewrap_writes_nothing_when_a_value_does_not_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring, source, target = tmp_path / "keys.json", tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    main(["keys", "new", "--file", str(keyring)])
    good, moved = _sealed_lines(keyring, ["花粉", "乳胶"])
    # A value copied to another customer's row fails to open there.
    row = json.loads(moved)
    row["record_id"] = "c-0"
    source.write_text(good + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    main(["keys", "rotate", "--file", str(keyring)])
    capsys.readouterr()
    args = ["keys", "rewrap", "--file", str(keyring), "--input", str(source)]
    assert main([*args, "--output", str(target)]) == EXIT_FAILED
    assert "in.jsonl:2: the value does not open" in capsys.readouterr().err
    assert not target.exists()
    source.write_text("not json\n", encoding="utf-8")
    assert main([*args, "--output", str(target)]) == EXIT_USAGE
    assert "in.jsonl:1: expected a JSON object" in capsys.readouterr().err
    assert not target.exists()


def test_a_wrong_key_file_is_a_clear_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for text in ('{"not": "a keyring"}', "garbage"):
        keyring = tmp_path / "keys.json"
        keyring.write_text(text)
        assert main(["keys", "rotate", "--file", str(keyring)]) == EXIT_USAGE
        assert "is not a clubrules keyring" in capsys.readouterr().err
        assert keyring.read_text() == text  # left as it was
