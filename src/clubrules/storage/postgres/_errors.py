"""psycopg errors as clubrules errors; psycopg itself imported on first use.

An error is retryable by its SQLSTATE, never by psycopg's Python class:
psycopg files a program limit exceeded (54000, a row too large for an
index) under `OperationalError`, as it does a lost connection, yet the
first fails the same way however often it is retried. Messages name the
SQLSTATE, never a value from the row.

Nor does the chain hold one: psycopg's error is not chained to the
clubrules error (as its `__cause__` or `__context__`), because its message,
DETAIL and CONTEXT can quote the row ("Failing row contains (...)", "Key
(...)=(...) already exists", a parameter's text). The clubrules error keeps
the SQLSTATE, the class name and the schema names of `diag` in its
`diagnostics`. An `OperationalError` without a SQLSTATE (a refused
connection, a lost one, a pool timeout: the server never answered with the
row) stays the cause, for operators.
"""

from __future__ import annotations

import contextlib
import math
import re
from typing import TYPE_CHECKING, Any, NoReturn

from clubrules._checks import raise_clear_of
from clubrules.errors import (
    ClubRulesError,
    ConflictError,
    DuplicateError,
    MigrationError,
    RetryableStorageError,
    SlotConflictError,
    StorageConfigurationError,
    StorageDiagnostics,
    StorageError,
    ValidationError,
)
from clubrules.storage.sql._unit import logger

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "Refusals",
    "checked_url",
    "connect_refusal",
    "diagnostics_of",
    "first_contact_settings",
    "is_retryable",
    "keeps_cause",
    "psycopg_module",
    "raise_for",
    "raise_translated",
    "translate",
    "translated",
]

# Transient conditions: the same transaction may well succeed if retried.
_RETRYABLE_STATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
        "57014",  # query_canceled (statement_timeout)
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, in recovery)
        "53000",  # insufficient_resources
        "53100",  # disk_full
        "53200",  # out_of_memory
        "53300",  # too_many_connections
    }
)
_RETRYABLE_CLASSES = frozenset({"08"})  # connection_exception, whatever its subclass
_NO_SCHEMA_STATES = frozenset({"42P01", "3F000"})  # undefined_table, invalid_schema_name


def psycopg_module() -> Any:  # noqa: ANN401 - the module, imported late
    """The psycopg module, or a `StorageError` that names the extra to install."""
    try:
        import psycopg  # noqa: PLC0415 - optional dependency, imported on first use
    except ImportError as error:  # pragma: no cover - the test environment has the extra
        raise StorageError(
            "the PostgreSQL adapters need psycopg 3: pip install 'clubrules[postgres]'"
        ) from error
    return psycopg


def checked_url(url: object) -> str:
    """`url`, once it is a libpq connection URL or string that libpq can parse.

    Checked when a database is made, so that a URL that can never connect
    is refused at once, as a `ValidationError`, rather than at the first
    call (or, behind a pool, as a `RetryableStorageError` after `timeout`
    seconds of retries that cannot help). The values of its settings (a
    host, an `sslmode`) are libpq's to judge when it connects. The message
    never quotes the URL: it may carry a password.

    Raises:
        ValidationError: `url` is not a str (rule `not_a_string`), holds a
            NUL character or a lone surrogate, or libpq cannot parse it
            (rule `conninfo`).
    """
    if not isinstance(url, str):
        raise ValidationError(
            f"must be a str, not {type(url).__name__}", field="url", rule="not_a_string"
        )
    problem: str | None = None
    if "\x00" in url:
        problem = "holds a NUL character, which libpq would cut the URL at"
    elif not url.isascii() and not _encodes(url):
        problem = "holds a lone surrogate, which has no UTF-8 form"
    else:
        try:
            psycopg_module().conninfo.conninfo_to_dict(url)
        except psycopg_module().ProgrammingError:  # its text quotes the URL: raised below
            problem = (
                "is not a libpq connection URL or string (such as"
                " postgresql://clubrules@db.internal/club)"
            )
    if problem is not None:
        raise ValidationError(problem, field="url", rule="conninfo")
    return url


def _encodes(text: str) -> bool:
    """Whether `text` has a UTF-8 form (holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_retryable(state: str, *, operational: bool = False) -> bool:
    """Whether SQLSTATE `state` is a transient failure that a retry may get past.

    Class 08 (connection exceptions), serialization failures and deadlocks,
    lock and statement timeouts, a server shutting down or starting up, and
    a shortage of connections, memory or disk are transient. Every other
    state (a program limit such as 54000, bad data in class 22, a
    constraint in class 23, ...) fails the same way on every retry.
    `operational` is for an error without a state: psycopg's own
    `OperationalError` (a connection lost before the server answered, a
    pool that timed out) is transient, anything else is not.
    """
    if not state:
        return operational
    return state in _RETRYABLE_STATES or state[:2] in _RETRYABLE_CLASSES


def _diag(error: BaseException, name: str) -> str | None:
    value = getattr(getattr(error, "diag", None), name, None)
    return value if isinstance(value, str) and value else None


def diagnostics_of(error: BaseException) -> StorageDiagnostics:
    """What is safe to keep of a psycopg error: its SQLSTATE, class and schema names."""
    return StorageDiagnostics(
        code=_diag(error, "sqlstate") or "",
        error_class=type(error).__name__,
        constraint=_diag(error, "constraint_name"),
        table=_diag(error, "table_name"),
        column=_diag(error, "column_name"),
        datatype=_diag(error, "datatype_name"),
    )


def keeps_cause(error: BaseException) -> bool:
    """Whether `error` may be chained as a cause: an `OperationalError` without a SQLSTATE.

    A refused or lost connection, a pool that timed out: the server sent no
    diagnostics, so nothing in the error quotes a row. Any error with a
    SQLSTATE came from the server, which may have quoted the row.
    """
    return _diag(error, "sqlstate") is None and isinstance(error, psycopg_module().OperationalError)


def raise_for(translated: BaseException, error: BaseException) -> NoReturn:
    """Raise `translated`, the clubrules error for psycopg's `error`, with no psycopg error chained.

    `translated` gets `error`'s diagnostics (if a storage or conflict error
    without them) and `error` as its cause only if `keeps_cause(error)`; no
    psycopg error is left as its context, even when raised in an `except`
    block or a `with` statement's exit.
    """
    psycopg = psycopg_module()
    if isinstance(translated, StorageError | ConflictError) and translated.diagnostics is None:
        translated.diagnostics = diagnostics_of(error)
    raise_clear_of(translated, psycopg.Error, cause=error if keeps_cause(error) else None)


def raise_translated(error: BaseException, *, migration: bool = False) -> NoReturn:
    """Raise the clubrules error for psycopg's `error` (see `translate` and `raise_for`)."""
    raise_for(translate(error, migration=migration), error)


def translate(error: BaseException, *, migration: bool) -> ClubRulesError:
    """The clubrules error for a psycopg error (a migration's failure is a `MigrationError`).

    Raise it with `raise_for`, which keeps psycopg's error out of its chain.
    """
    found = diagnostics_of(error)
    made = _made(error, found, migration=migration)
    if isinstance(made, StorageError | ConflictError):
        made.diagnostics = found
    return made


def _made(error: BaseException, found: StorageDiagnostics, *, migration: bool) -> ClubRulesError:
    psycopg = psycopg_module()
    state = found.code
    label = str(found)
    if state == "23505":
        return DuplicateError(f"an identifier is already stored ({label})")
    if state == "23P01":
        return SlotConflictError(f"the database refused an overlapping booking ({label})")
    if is_retryable(state, operational=isinstance(error, psycopg.OperationalError)):
        return RetryableStorageError(
            f"PostgreSQL was unavailable or lost the connection ({label}); "
            "the transaction was rolled back, retry"
        )
    if state in _NO_SCHEMA_STATES:
        return MigrationError(
            "the PostgreSQL database has no clubrules schema yet: run "
            "PostgresDatabase.migrate() or `clubrules db migrate --url postgresql://...`"
        )
    if isinstance(error, psycopg.DataError) and "NUL" in str(error):
        return ValidationError(
            "text for PostgreSQL must not contain NUL characters", rule="nul_character"
        )
    if migration:
        return MigrationError(f"a migration failed and was rolled back ({label})")
    if state.startswith("54"):
        return StorageError(
            f"a value is larger than PostgreSQL can hold or index ({label}); "
            "retrying fails the same way"
        )
    return StorageError(f"PostgreSQL failed ({label})")


@contextlib.contextmanager
def translated(*, migration: bool = False) -> Iterator[None]:
    """Turn psycopg errors raised inside the block into clubrules errors.

    Messages name the SQLSTATE, never a value from the row, and psycopg's
    error is not chained (see `raise_for`).
    """
    psycopg = psycopg_module()
    try:
        yield
    except psycopg.Error as error:
        raise_translated(error, migration=migration)


# --- a connection refused for its settings -----------------------------------
#
# libpq passes on the server's message when it refuses a connection at
# startup, but not its SQLSTATE (psycopg's error has no `diag.sqlstate`), and
# checks its own settings (`sslmode`, `port`, ...) only when it connects. So
# the cause is read from libpq's (English) message: each line below is a
# pattern, the SQLSTATE the server sends with it (empty for libpq's own
# refusals), the condition's name, a stable reason code and the cause in
# words. A message that matches none (a refused or timed-out connection, a
# server starting up or out of connection slots, a message in another
# language) stays a transient failure, as before.
_REFUSALS: tuple[tuple[re.Pattern[str], str, str, str, str], ...] = tuple(
    (re.compile(pattern), state, condition, reason, words)
    for pattern, state, condition, reason, words in (
        (
            r"password authentication failed for user",
            "28P01",
            "invalid_password",
            "invalid_password",
            "the password is wrong, or the role has none",
        ),
        (
            r"authentication failed for user",
            "28000",
            "invalid_authorization_specification",
            "authentication_failed",
            "the authentication method of pg_hba.conf refused the role",
        ),
        (
            r'role ".*" does not exist',
            "28000",
            "invalid_authorization_specification",
            "unknown_role",
            "the role does not exist",
        ),
        (
            r'role ".*" is not permitted to log in',
            "28000",
            "invalid_authorization_specification",
            "login_not_permitted",
            "the role may not log in (NOLOGIN)",
        ),
        (
            r"no pg_hba\.conf entry for|pg_hba\.conf rejects connection",
            "28000",
            "invalid_authorization_specification",
            "no_hba_entry",
            "no pg_hba.conf entry lets this role in to this database",
        ),
        (
            r'database ".*" does not exist',
            "3D000",
            "invalid_catalog_name",
            "unknown_database",
            "the database does not exist",
        ),
        (
            r'database ".*" is not currently accepting connections',
            "55000",
            "object_not_in_prerequisite_state",
            "database_closed",
            "the database does not allow connections (ALLOW_CONNECTIONS false)",
        ),
        (
            r"permission denied for database",
            "42501",
            "insufficient_privilege",
            "connect_not_permitted",
            "the role lacks the CONNECT privilege on the database",
        ),
        (
            r"unrecognized configuration parameter",
            "42704",
            "undefined_object",
            "unknown_setting",
            "the options name a server setting that does not exist",
        ),
        (
            r"invalid value for parameter|is outside the valid range for parameter",
            "22023",
            "invalid_parameter_value",
            "invalid_setting_value",
            "the options give a server setting an invalid value",
        ),
        (
            r'parameter ".*" cannot be (?:changed|set)',
            "55P02",
            "cant_change_runtime_param",
            "setting_not_settable",
            "the options set a server setting that cannot be set when connecting",
        ),
        (
            r"permission denied to set parameter",
            "42501",
            "insufficient_privilege",
            "setting_not_permitted",
            "the options set a server setting that the role may not set",
        ),
        (
            (
                r"invalid command-line argument for server process"
                r"|FATAL:\s+\S+(?: \S+)? requires a value"
            ),
            "42601",
            "syntax_error",
            "invalid_options",
            "the options are not server arguments of the form -c name=value",
        ),
        (
            r"no password supplied",
            "",
            "",
            "no_password",
            "the server asks for a password and none was given (URL, PGPASSWORD or ~/.pgpass)",
        ),
        (
            r'authentication method requirement ".*" failed',
            "",
            "",
            "auth_requirement",
            "the server's authentication does not meet the require_auth setting",
        ),
        (
            r"server does not support SSL, but SSL was required",
            "",
            "",
            "ssl_unsupported",
            "the server does not support SSL, which the sslmode setting requires",
        ),
        (
            (
                r'\binvalid (?:"?\w+"? value:|port number|integer value .* for connection option'
                r"|require_auth method)|could not match \d+ |could not parse network address"
                r"|invalid when SSL support is not compiled in"
            ),
            "",
            "",
            "invalid_libpq_setting",
            "a libpq connection setting (sslmode, port, hostaddr, ...) has an invalid value",
        ),
    )
)
# One attempt of a connection: libpq's "connection to server ... failed: <why>";
# psycopg lists each host's attempt on a line of its own.
_ATTEMPT = re.compile(r"connection to server (?:at|on socket) [^\n]*? failed: ([^\n]*)")


def connect_refusal(error: BaseException) -> StorageConfigurationError | None:
    """The `StorageConfigurationError` for a failed connection attempt, or None if transient.

    `error` is what `psycopg.connect` raised. The failure is permanent only
    if every host's attempt failed for a setting that no retry changes (a
    wrong password, an unknown database or role, refused `options`, an
    invalid libpq setting); a refused connection, a timeout, a server
    starting up or out of connection slots (53300) leave a retry its
    chance. The message names the cause in words and the SQLSTATE, never
    the role, the database, the password or the URL.
    """
    psycopg = psycopg_module()
    if not isinstance(error, psycopg.OperationalError) or _diag(error, "sqlstate") is not None:
        return None
    text = str(error)
    reasons = _ATTEMPT.findall(text) or [text.partition("\n")[0]]
    found = []
    for why in reasons:
        entry = _refusal_of(why)
        if entry is None:
            return None
        found.append(entry)
    _, state, condition, reason, words = found[0]
    label = f"{state} {condition}" if state else "refused by libpq"
    made = StorageConfigurationError(
        f"PostgreSQL refused the connection: {words} ({label}); retrying cannot help"
        " until the connection settings are fixed",
        reason=reason,
    )
    made.diagnostics = StorageDiagnostics(code=state, error_class=type(error).__name__)
    return made


def first_contact_settings(url: str, timeout: float) -> dict[str, Any]:
    """What `connect` takes besides `url` for a first contact that ends within about `timeout`.

    The URL's own `connect_timeout` wins; without one, the first contact
    gives up after `timeout` seconds (libpq's least is 2), as the pool's
    wait would.
    """
    if "connect_timeout" in psycopg_module().conninfo.conninfo_to_dict(url):
        return {"autocommit": True}
    return {"autocommit": True, "connect_timeout": max(2, math.ceil(timeout))}


def _refusal_of(reason: str) -> tuple[re.Pattern[str], str, str, str, str] | None:
    for entry in _REFUSALS:
        if entry[0].search(reason):
            return entry
    return None


class Refusals:
    """A database's last refused connection: each refusal is logged once, at ERROR.

    A retry loop that keeps calling a database whose settings are refused
    logs the cause once, not once a call; after a connection succeeds, the
    next refusal is logged again. No lock (it would have to be made again
    in a forked child): two threads refused at once may both log.
    """

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = ""

    def refused(self, error: BaseException) -> StorageConfigurationError | None:
        """The `StorageConfigurationError` for `error` (see `connect_refusal`), logged once."""
        made = connect_refusal(error)
        if made is None:
            return None
        if self._last != str(made):
            self._last = str(made)
            logger.error("%s", made)
        return made

    def check(self, error: BaseException) -> None:
        """Raise the `StorageConfigurationError` for `error` if it is a refusal (see `refused`).

        Returns for any other failure, which the caller raises or leaves to the pool.
        """
        refusal = self.refused(error)
        if refusal is not None:
            raise_for(refusal, error)

    def connected(self) -> None:
        """A connection was opened: the next refusal is news again."""
        self._last = ""
