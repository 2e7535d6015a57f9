"""`clubrules keys`: create a keyring file, rotate its primary key, rewrap sealed values.

Key material never reaches standard output, and neither does plaintext: the
rewrap command reads sealed values and writes sealed values. Every error is
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
    write,
)
from clubrules.errors import DecryptionError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from clubrules.cli._io import AddParser
    from clubrules.customers import Sealed

__all__ = ["add_keys_commands"]

_PLACE = ("record_type", "record_id", "field")


def add_keys_commands(add_parser: AddParser) -> None:
    """Add `keys new`, `keys rotate` and `keys rewrap`."""
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
    rewrap = _command(
        add,
        "rewrap",
        "re-encrypt sealed values under the primary key",
        "Read JSON Lines of {record_type, record_id, field, sealed} (sealed in its "
        "text form, 'cr:...'), open every value, re-encrypt those under older keys "
        "with the keyring's primary key without exposing them, and write the same "
        "lines with the new values. The output file is written only if every value "
        "opens, those already under the primary key included.",
        _run_rewrap,
    )
    rewrap.add_argument("--input", required=True, type=Path, help="JSON Lines to read")
    rewrap.add_argument("--output", required=True, type=Path, help="JSON Lines to write")
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
    command.add_argument("--file", required=True, type=Path, help=file_help)
    command.set_defaults(handler=handler)
    return command


def _report(args: argparse.Namespace, text: str, data: dict[str, object]) -> None:
    write(json.dumps(data) if args.json else text)


def _run_new(args: argparse.Namespace) -> int:
    from clubrules.privacy import FileKeyProvider, Keyring  # noqa: PLC0415 - keeps --help fast

    path: Path = args.file
    if path.exists():
        return fail(args, EXIT_USAGE, f"{path} already exists; use 'keys rotate' to add a key")
    ring = Keyring.generate()
    ring.save(FileKeyProvider(path))
    _report(
        args,
        f"created keyring {path} with primary key {ring.primary_id}",
        {"file": str(path), "primary_key_id": ring.primary_id},
    )
    return EXIT_OK


def _run_rotate(args: argparse.Namespace) -> int:
    from clubrules.privacy import FileKeyProvider, Keyring  # noqa: PLC0415 - keeps --help fast

    path: Path = args.file
    if not path.exists():
        return fail(args, EXIT_USAGE, f"{path} does not exist; create it with 'keys new'")
    provider = FileKeyProvider(path)
    ring = Keyring.from_provider(provider)
    old = ring.primary_id
    new = ring.rotate()
    ring.save(provider)
    _report(
        args,
        f"rotated {path}: key {new.key_id} is primary; key {old} now only decrypts",
        {"file": str(path), "primary_key_id": new.key_id, "previous_key_id": old},
    )
    return EXIT_OK


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
    cipher = FieldCipher(Keyring.from_provider(FileKeyProvider(args.file)))
    try:
        lines = args.input.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        return fail(args, EXIT_USAGE, f"{args.input}: is not UTF-8 text")
    except OSError as error:
        return bad_file(args, args.input, error)
    progress = Progress(
        "rewrap", len(lines), sys.stderr, enabled=args.progress or sys.stderr.isatty()
    )
    out: list[str] = []
    changed = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = _parse_line(line)
        if parsed is None:
            progress.close()
            return fail(
                args,
                EXIT_USAGE,
                f"{args.input}:{number}: expected a JSON object with "
                "record_type, record_id, field (non-empty strings) and sealed ('cr:...')",
                line=number,
            )
        row, place, sealed = parsed
        try:
            # Every value is opened, those already under the primary key too:
            # a tampered value, or a key file from another environment that
            # reuses the key id, must fail here rather than be copied through.
            moved = cipher.needs_rewrap(sealed)
            sealed = cipher.rewrap(sealed, **place)
        except DecryptionError:
            progress.close()
            return fail(
                args,
                EXIT_FAILED,
                f"{args.input}:{number}: the value does not open (tampered, moved to "
                "another place, or sealed under a key this file does not hold); nothing written",
                "DecryptionError",
                line=number,
            )
        changed += moved
        out.append(json.dumps({**row, "sealed": sealed_to_text(sealed)}, ensure_ascii=False))
        progress.update(number)
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


def _parse_line(line: str) -> tuple[dict[str, object], dict[str, str], Sealed] | None:
    """The row, its place and its sealed value, or None if the line is malformed."""
    from clubrules.privacy import sealed_from_text  # noqa: PLC0415 - keeps --help fast

    try:
        row = json.loads(line)
        place = {key: row[key] for key in _PLACE}
        sealed = sealed_from_text(row["sealed"])
    except (ValueError, KeyError, TypeError, DecryptionError):
        return None
    if not all(type(part) is str and part for part in place.values()):
        return None
    return row, place, sealed


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
