"""`clubrules keys`: create a keyring file, rotate or retire its keys, rewrap sealed values.

Key material never reaches standard output, and neither does plaintext: the
rewrap command reads sealed values and writes sealed values. `rotate` and
`retire` read, change and write the keyring file as one locked step
(`FileKeyProvider.update_keys`), so an application saving the same file at
the same moment loses nothing, and neither does the command. Every error is
one line on standard error (one JSON object on standard output with
`--json`) and an exit code; no traceback (see `clubrules.cli.main`).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from clubrules.cli._io import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Progress,
    add_json_option,
    add_progress_option,
    bad_file,
    command_group,
    fail,
    not_utf8,
    open_check,
    output_check,
    path_argument,
    regular_file_check,
    whole_option,
    write,
)
from clubrules.errors import DecryptionError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from clubrules.cli._io import AddParser
    from clubrules.customers import Sealed
    from clubrules.privacy import Keyring, KeyVersion

__all__ = ["add_keys_commands"]

_PLACE = ("record_type", "record_id", "field")


def add_keys_commands(add_parser: AddParser) -> None:
    """Add `keys new`, `keys rotate`, `keys retire` and `keys rewrap`."""
    add = command_group(
        add_parser,
        "keys",
        summary="create, rotate and rewrap field-encryption keys",
        description=(
            "Manage a local keyring file (readable by its owner only) for the privacy "
            "module's field encryption. Exit codes: 0 done, 1 a value could not be "
            "opened (tampered, moved, or a key file from another environment), 2 bad "
            "usage or a bad file."
        ),
    )
    new = _command(
        add,
        "new",
        "create a keyring file with a fresh primary key",
        "Create a keyring file with one fresh primary key. Refuses to overwrite.",
        _run_new,
        file_help="the keyring file to create",
    )
    add_json_option(new, "the result")
    rotate = _command(
        add,
        "rotate",
        "make a new primary key; older keys become decrypt-only",
        "Add a new primary key to the keyring. New values are sealed under it; older "
        "keys still open what they sealed until you rewrap and retire them.",
        _run_rotate,
    )
    add_json_option(rotate, "the result")
    retire = _command(
        add,
        "retire",
        "refuse a decrypt-only key from now on",
        "Retire a key: values still sealed under it no longer open, in every process "
        "that loads or refreshes the keyring. Rewrap them first. The primary key "
        "cannot be retired; rotate first.",
        _run_retire,
    )
    retire.add_argument(
        "--key-id",
        required=True,
        type=whole_option,
        help="the id of the key to retire",
        dest="key_id",
    )
    add_json_option(retire, "the result")
    rewrap = _command(
        add,
        "rewrap",
        "re-encrypt sealed values under the primary key",
        "Read JSON Lines of {record_type, record_id, field, sealed} (sealed in its "
        "text form, 'cr:...'), open every value, re-encrypt those under older keys "
        "with the keyring's primary key without exposing them, and write the same "
        "lines with the new values. The output file is written only if every value "
        "opens, those already under the primary key included; otherwise every bad "
        "line is reported, with what is wrong with it, and the output is left untouched.",
        _run_rewrap,
    )
    rewrap.add_argument("--input", required=True, type=path_argument, help="JSON Lines to read")
    rewrap.add_argument("--output", required=True, type=path_argument, help="JSON Lines to write")
    add_progress_option(rewrap, "when it is a terminal")
    add_json_option(rewrap, "the summary")


def _command(
    add: AddParser,
    name: str,
    summary: str,
    description: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    file_help: str = "the keyring file",
) -> argparse.ArgumentParser:
    command = add(name, help=summary, description=description)
    command.add_argument("--file", required=True, type=path_argument, help=file_help)
    command.set_defaults(handler=handler)
    return command


def _report(args: argparse.Namespace, text: str, data: dict[str, object]) -> None:
    write(json.dumps(data) if args.json else text)


class _KeyringExistsError(Exception):
    """Raised under the keyring file's lock when `keys new` finds the file holding keys."""


def _run_new(args: argparse.Namespace) -> int:
    from clubrules.privacy import FileKeyProvider, Keyring  # noqa: PLC0415 - keeps --help fast

    path: Path = args.file
    exists = f"{path} already exists; use 'keys rotate' to add a key"
    if path.exists():
        return fail(args, EXIT_USAGE, exists)
    ring = Keyring.generate()

    def create(current: list[KeyVersion]) -> list[KeyVersion]:
        # Under the file's lock: a keyring written after the check above (by
        # another `keys new`, or an application's save) is left as it is.
        if current:
            raise _KeyringExistsError
        return list(ring.keys)

    try:
        FileKeyProvider(path).update_keys(create)
    except _KeyringExistsError:
        return fail(args, EXIT_USAGE, exists)
    _report(
        args,
        f"created keyring {path} with primary key {ring.primary_id}",
        {"file": str(path), "primary_key_id": ring.primary_id},
    )
    return EXIT_OK


def _keyring_file_problem(path: Path) -> str | None:
    """Why `path` is no keyring file to change (missing, or not a regular file), or None."""
    if not path.exists():
        return f"{path} does not exist; create it with 'keys new'"
    return regular_file_check(path, "a keyring file")


class _KeyringGoneError(Exception):
    """Raised under the keyring file's lock when the file was removed after it was checked."""


def _update_keyring(path: Path, change: Callable[[Keyring], object]) -> str | None:
    """Apply `change` to the keyring in `path` and save it, as one locked step.

    `change` gets the keys as the file holds them now, under the lock: a
    rotation saved by another process a moment ago is changed on, not
    overwritten. Returns why nothing was changed, if the file was removed
    meanwhile (nothing is written then), else None.
    """
    from clubrules.privacy import FileKeyProvider, Keyring  # noqa: PLC0415 - keeps --help fast

    def update(current: list[KeyVersion]) -> tuple[KeyVersion, ...]:
        if not current:
            raise _KeyringGoneError
        ring = Keyring(current)
        change(ring)
        return ring.keys

    try:
        FileKeyProvider(path).update_keys(update)
    except _KeyringGoneError:
        return _keyring_file_problem(path) or f"{path} holds no keys"
    return None


def _change_keyring(
    args: argparse.Namespace, change: Callable[[Keyring], tuple[str, dict[str, object]]]
) -> int:
    """Apply `change` to the keyring file `args.file`; report what it says it did.

    `change` changes the keyring it is given and returns the report: a line
    of text and the `--json` object.
    """
    path: Path = args.file
    said: list[tuple[str, dict[str, object]]] = []
    problem = _keyring_file_problem(path) or _update_keyring(
        path, lambda ring: said.append(change(ring))
    )
    if problem is not None:
        return fail(args, EXIT_USAGE, problem)
    _report(args, *said[-1])  # the report of the change that was saved
    return EXIT_OK


def _run_rotate(args: argparse.Namespace) -> int:
    path: Path = args.file

    def rotate(ring: Keyring) -> tuple[str, dict[str, object]]:
        old = ring.primary_id
        new = ring.rotate().key_id
        return (
            f"rotated {path}: key {new} is primary; key {old} now only decrypts",
            {"file": str(path), "primary_key_id": new, "previous_key_id": old},
        )

    return _change_keyring(args, rotate)


def _run_retire(args: argparse.Namespace) -> int:
    path: Path = args.file
    key_id: int = args.key_id

    def retire(ring: Keyring) -> tuple[str, dict[str, object]]:
        ring.retire(key_id)
        return (
            f"retired key {key_id} in {path}: values still under it no longer open",
            {"file": str(path), "retired_key_id": key_id},
        )

    return _change_keyring(args, retire)


def _run_rewrap(args: argparse.Namespace) -> int:
    from clubrules.privacy import (  # noqa: PLC0415 - keeps --help fast
        FieldCipher,
        FileKeyProvider,
        Keyring,
        sealed_to_text,
    )

    for path in (args.file, args.input):
        if not path.exists():
            return fail(args, EXIT_USAGE, f"{path} does not exist")
    problem = (
        regular_file_check(args.file, "a keyring file")
        or open_check(args.input)
        or output_check(args.output)
    )
    if problem is not None:
        return fail(args, EXIT_USAGE, problem)
    cipher = FieldCipher(Keyring.from_provider(FileKeyProvider(args.file)))
    try:
        lines = args.input.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        return fail(args, EXIT_USAGE, f"{args.input}: {not_utf8(args.input)}")
    except OSError as error:
        return bad_file(args, args.input, error)
    progress = Progress(
        "rewrap", len(lines), sys.stderr, enabled=args.progress or sys.stderr.isatty()
    )
    out: list[str] = []
    changed = 0
    # Every line is read, and every bad one reported, before anything is written.
    bad: list[tuple[int, str, str]] = []  # line, problem, error type
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = _parse_line(line)
        if isinstance(parsed, str):
            bad.append((number, parsed, "InputError"))
            continue
        row, place, sealed = parsed
        try:
            # Every value is opened, those already under the primary key too:
            # a tampered value, or a key file from another environment that
            # reuses the key id, must fail here rather than be copied through.
            moved = cipher.needs_rewrap(sealed)
            sealed = cipher.rewrap(sealed, **place)
        except DecryptionError:
            bad.append((number, _DOES_NOT_OPEN, "DecryptionError"))
            continue
        changed += moved
        out.append(json.dumps({**row, "sealed": sealed_to_text(sealed)}, ensure_ascii=False))
        progress.update(number)
    if bad:
        progress.close()
        return _report_bad_lines(args, bad, len(out) + len(bad))
    progress.close()
    try:
        _write_atomically(args.output, "".join(f"{text}\n" for text in out))
    except OSError as error:
        return fail(
            args,
            EXIT_USAGE,
            f"{args.output}: cannot write it ({error.strerror or 'failed'})",
            type(error).__name__,
        )
    _report(
        args,
        f"rewrapped {changed} of {len(out)} values to key {cipher.keyring.primary_id}; "
        f"wrote {args.output}",
        {"values": len(out), "rewrapped": changed, "primary_key_id": cipher.keyring.primary_id},
    )
    return EXIT_OK


_EXPECTED = (
    "expected a JSON object with record_type, record_id, field (non-empty strings) "
    "and sealed ('cr:...')"
)
_BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_DOES_NOT_OPEN = (
    "the value does not open (tampered, moved to another place, or sealed under a key "
    "this file does not hold)"
)


def _report_bad_lines(args: argparse.Namespace, bad: list[tuple[int, str, str]], total: int) -> int:
    """Report every bad line in one message; EXIT_USAGE if any is malformed, else EXIT_FAILED."""
    malformed = any(kind == "InputError" for _, _, kind in bad)
    where = "; ".join(f"{args.input}:{number}: {problem}" for number, problem, _ in bad)
    if len(bad) > 1:
        where += f"; {len(bad)} of {total} lines are bad"
    return fail(
        args,
        EXIT_USAGE if malformed else EXIT_FAILED,
        f"{where}; nothing written",
        "InputError" if malformed else "DecryptionError",
        line=bad[0][0],
        problems=[
            {"line": number, "problem": problem, "type": kind} for number, problem, kind in bad
        ],
    )


def _parse_line(line: str) -> tuple[dict[str, object], dict[str, str], Sealed] | str:
    """The row, its place and its sealed value, or what is wrong with the line."""
    from clubrules.privacy import sealed_from_text  # noqa: PLC0415 - keeps --help fast

    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return f"not JSON; {_EXPECTED}"
    if not isinstance(row, dict):
        return f"not a JSON object; {_EXPECTED}"
    missing = [key for key in (*_PLACE, "sealed") if key not in row]
    if missing:
        return f"missing {', '.join(missing)}; {_EXPECTED}"
    for key in _PLACE:
        if type(row[key]) is not str or not row[key]:
            return f"{key} is not a non-empty string; {_EXPECTED}"
    place = {key: row[key] for key in _PLACE}
    text = row["sealed"]
    if type(text) is not str:
        return "sealed is not a string; expected its text form, 'cr:' and base64url"
    try:
        sealed = sealed_from_text(text)
    except DecryptionError:
        return f"sealed {_malformed(text)}"
    return row, place, sealed


def _malformed(text: str) -> str:
    """What is wrong with the text form of a sealed value that does not parse.

    Says what is wrong with its form, never what it holds.
    """
    import base64  # noqa: PLC0415

    from clubrules.privacy._format import (  # noqa: PLC0415
        HEADER_SIZE,
        MIN_SIZE,
        TEXT_PREFIX,
        VERSION,
    )

    if not text.startswith(TEXT_PREFIX):
        return f"does not start with {TEXT_PREFIX!r}; expected the text form, {TEXT_PREFIX}..."
    body = text[len(TEXT_PREFIX) :]
    if "=" in body:
        return "has '=' padding; the text form is unpadded base64url"
    if body.strip(_BASE64URL):
        return "has characters outside base64url (A-Z, a-z, 0-9, '-', '_') after 'cr:'"
    if len(body) % 4 == 1:
        return "has a length no base64url text has (cut short?)"
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    if len(raw) < MIN_SIZE:
        return f"is too short: {len(raw)} bytes, and a sealed value has at least {MIN_SIZE}"
    if raw[0] != VERSION:
        return f"has format version {raw[0]}; this clubrules reads version {VERSION}"
    if int.from_bytes(raw[1:HEADER_SIZE], "big") == 0:
        return "names key 0, which no keyring holds"
    return "is not in canonical base64url (stray bits in its last character)"


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
