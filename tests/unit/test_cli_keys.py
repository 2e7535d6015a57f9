"""`clubrules keys`: new, rotate and rewrap, with their exit codes and JSON output."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from clubrules.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from clubrules.customers import Sealed
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
    assert "in.jsonl:1: not JSON; expected a JSON object" in capsys.readouterr().err
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


def test_rewrap_opens_values_already_under_the_primary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prod, staging = tmp_path / "prod.json", tmp_path / "staging.json"
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    main(["keys", "new", "--file", str(prod)])
    main(["keys", "new", "--file", str(staging)])
    lines = _sealed_lines(prod, ["花粉", "penicillin", "乳胶"])
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    args = ["keys", "rewrap", "--input", str(source), "--output", str(target)]
    # A key file from the wrong environment: same key id 1, other material.
    assert main([*args, "--file", str(staging)]) == EXIT_FAILED
    assert "in.jsonl:1: the value does not open" in capsys.readouterr().err
    assert not target.exists()
    # A tampered value under the primary key fails the run and names its line.
    row = json.loads(lines[2])
    data = bytearray(sealed_from_text(row["sealed"]).ciphertext)
    data[-1] ^= 1
    row["sealed"] = sealed_to_text(Sealed(bytes(data)))
    source.write_text("\n".join([*lines[:2], json.dumps(row)]) + "\n", encoding="utf-8")
    target.write_text("left as it was\n", encoding="utf-8")
    assert main([*args, "--file", str(prod), "--json"]) == EXIT_FAILED
    error = _json(capsys)
    assert "in.jsonl:3: the value does not open" in str(error["error"])
    assert error["line"] == 3
    assert target.read_text(encoding="utf-8") == "left as it was\n"
    # The right key file opens every value and leaves them where they are.
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main([*args, "--file", str(prod), "--json"]) == EXIT_OK
    assert _json(capsys) == {"values": 3, "rewrapped": 0, "primary_key_id": 1}
    assert target.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def _one_error(capsys: pytest.CaptureFixture[str], *, json_output: bool) -> str:
    captured = capsys.readouterr()
    if json_output:
        assert captured.err == ""
        error = json.loads(captured.out)
        assert {"error", "type"} <= set(error)
        assert error["type"] in {"KeyringError", "FileNotFoundError", "InputError"}
        text = str(error["error"])
    else:
        assert captured.out == ""
        assert captured.err.startswith("clubrules: error: ")
        assert captured.err.count("\n") == 1
        text = captured.err
    assert "Traceback" not in captured.out + captured.err
    assert ".keyring-" not in captured.out + captured.err
    return text


@pytest.mark.parametrize("json_output", [True, False])
def test_every_keys_error_is_one_line_or_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], json_output: bool
) -> None:
    flag = ["--json"] if json_output else []
    corrupt, source = tmp_path / "corrupt.json", tmp_path / "in.jsonl"
    corrupt.write_text("garbage", encoding="utf-8")
    source.write_text("", encoding="utf-8")
    assert main(["keys", "rotate", "--file", str(corrupt), *flag]) == EXIT_USAGE
    assert "is not a clubrules keyring" in _one_error(capsys, json_output=json_output)
    assert corrupt.read_text(encoding="utf-8") == "garbage"
    rewrap = ["keys", "rewrap", "--file", str(corrupt), "--input", str(source)]
    assert main([*rewrap, "--output", str(tmp_path / "out.jsonl"), *flag]) == EXIT_USAGE
    assert "is not a clubrules keyring" in _one_error(capsys, json_output=json_output)
    missing = tmp_path / "no-such-dir" / "k.json"
    assert main(["keys", "new", "--file", str(missing), *flag]) == EXIT_USAGE
    text = _one_error(capsys, json_output=json_output)
    assert str(missing) in text
    assert "cannot write" in text
    assert not missing.parent.exists()
    # An output file in a missing directory, after every value opened.
    keyring = tmp_path / "keys.json"
    main(["keys", "new", "--file", str(keyring)])
    capsys.readouterr()
    rewrap[3] = str(keyring)
    assert main([*rewrap, "--output", str(missing), *flag]) == EXIT_USAGE
    assert "cannot write it" in _one_error(capsys, json_output=json_output)


def test_a_line_whose_place_is_not_text_is_malformed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring, source, target = tmp_path / "keys.json", tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    main(["keys", "new", "--file", str(keyring)])
    (good,) = _sealed_lines(keyring, ["花粉"])
    row = json.loads(good)
    row["record_id"] = 7
    source.write_text(good + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    capsys.readouterr()
    args = ["keys", "rewrap", "--file", str(keyring), "--input", str(source)]
    assert main([*args, "--output", str(target), "--json"]) == EXIT_USAGE
    error = _json(capsys)
    assert error["line"] == 2
    assert "in.jsonl:2: record_id is not a non-empty string" in str(error["error"])
    assert not target.exists()


def test_rewrap_names_what_is_wrong_with_every_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring, source, target = tmp_path / "keys.json", tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    main(["keys", "new", "--file", str(keyring)])
    good, other = _sealed_lines(keyring, ["花粉", "乳胶"])
    text = json.loads(good)["sealed"]
    raw = sealed_from_text(text).ciphertext

    def with_sealed(value: object) -> str:
        return json.dumps({**json.loads(good), "sealed": value})

    moved = json.loads(other)
    moved["record_id"] = "c-0"
    lines = {
        1: good,
        2: "not json",
        3: json.dumps(["a", "list"]),
        4: json.dumps({"record_type": "customer", "record_id": "c-1"}),
        5: with_sealed(7),
        6: with_sealed(text[3:]),
        7: with_sealed(text + "=="),
        8: with_sealed(text[:10] + "+" + text[11:]),
        9: with_sealed(text[:11]),
        10: with_sealed(sealed_to_text(Sealed(b"\x02" + raw[1:]))),
        11: with_sealed(sealed_to_text(Sealed(b"\x01\x00\x00\x00\x00" + raw[5:]))),
        12: json.dumps(moved),
    }
    source.write_text("\n".join(lines.values()) + "\n", encoding="utf-8")
    target.write_text("left as it was\n", encoding="utf-8")
    capsys.readouterr()
    args = ["keys", "rewrap", "--file", str(keyring), "--input", str(source)]
    assert main([*args, "--output", str(target)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line, naming every bad line
    expected = {
        2: "not JSON",
        3: "not a JSON object",
        4: "missing field, sealed",
        5: "sealed is not a string",
        6: "sealed does not start with 'cr:'",
        7: "sealed has '=' padding",
        8: "sealed has characters outside base64url",
        9: "sealed is too short",
        10: "sealed has format version 2; this clubrules reads version 1",
        11: "sealed names key 0",
        12: "the value does not open",
    }
    for number, problem in expected.items():
        assert f"in.jsonl:{number}: {problem}" in err, number
    assert "in.jsonl:1:" not in err
    assert "11 of 12 lines are bad; nothing written" in err
    assert target.read_text(encoding="utf-8") == "left as it was\n"
    # With --json, each bad line is an item of `problems`.
    assert main([*args, "--output", str(target), "--json"]) == EXIT_USAGE
    error = _json(capsys)
    assert error["type"] == "InputError"
    assert error["line"] == 2
    problems = error["problems"]
    assert isinstance(problems, list)
    assert [p["line"] for p in problems] == list(expected)
    assert problems[-1]["type"] == "DecryptionError"
    assert target.read_text(encoding="utf-8") == "left as it was\n"


def test_rewrap_reports_every_value_that_does_not_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prod, staging = tmp_path / "prod.json", tmp_path / "staging.json"
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    main(["keys", "new", "--file", str(prod)])
    main(["keys", "new", "--file", str(staging)])
    source.write_text("\n".join(_sealed_lines(prod, ["a", "b", "c"])) + "\n", encoding="utf-8")
    capsys.readouterr()
    args = ["keys", "rewrap", "--file", str(staging), "--input", str(source)]
    assert main([*args, "--output", str(target)]) == EXIT_FAILED
    err = capsys.readouterr().err
    for number in (1, 2, 3):
        assert f"in.jsonl:{number}: the value does not open" in err
    assert "3 of 3 lines are bad; nothing written" in err
    assert not target.exists()
