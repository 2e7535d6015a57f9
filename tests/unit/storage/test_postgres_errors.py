"""psycopg errors become clubrules errors by SQLSTATE, never by psycopg's Python class.

psycopg files a program limit exceeded (54000: a row too large for an index)
under `OperationalError`, as it files a lost connection; only the second is
worth a retry. No server is needed: psycopg builds each error class from its
SQLSTATE.
"""

from __future__ import annotations

import logging

import psycopg
import psycopg.errors
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import (
    DuplicateError,
    MigrationError,
    RetryableStorageError,
    SlotConflictError,
    StorageConfigurationError,
    StorageError,
    ValidationError,
)
from clubrules.storage.postgres._errors import (
    Refusals,
    connect_refusal,
    first_contact_settings,
    is_retryable,
    translate,
)

# SQLSTATE -> the clubrules error it becomes: the whole table, written out.
TABLE: dict[str, type[Exception]] = {
    # Transient, so a retry may succeed.
    "40001": RetryableStorageError,  # serialization_failure
    "40P01": RetryableStorageError,  # deadlock_detected
    "55P03": RetryableStorageError,  # lock_not_available
    "57014": RetryableStorageError,  # query_canceled (statement_timeout)
    "57P01": RetryableStorageError,  # admin_shutdown
    "57P02": RetryableStorageError,  # crash_shutdown
    "57P03": RetryableStorageError,  # cannot_connect_now
    "08000": RetryableStorageError,  # connection_exception
    "08003": RetryableStorageError,  # connection_does_not_exist
    "08006": RetryableStorageError,  # connection_failure
    "53000": RetryableStorageError,  # insufficient_resources
    "53100": RetryableStorageError,  # disk_full
    "53200": RetryableStorageError,  # out_of_memory
    "53300": RetryableStorageError,  # too_many_connections
    # Permanent, since the same call fails the same way.
    "54000": StorageError,  # program_limit_exceeded (index row too large)
    "54001": StorageError,  # statement_too_complex
    "54011": StorageError,  # too_many_columns
    "53400": StorageError,  # configuration_limit_exceeded
    "22001": StorageError,  # string_data_right_truncation
    "22003": StorageError,  # numeric_value_out_of_range
    "22012": StorageError,  # division_by_zero
    "22P02": StorageError,  # invalid_text_representation
    "23502": StorageError,  # not_null_violation
    "23503": StorageError,  # foreign_key_violation
    "23514": StorageError,  # check_violation
    "58030": StorageError,  # io_error
    "XX000": StorageError,  # internal_error
    "40002": StorageError,  # transaction_integrity_constraint_violation
    # A taken key, an overlap, no schema yet.
    "23505": DuplicateError,
    "23P01": SlotConflictError,
    "42P01": MigrationError,
    "3F000": MigrationError,
}


class _Diag:
    def __init__(self, state: str) -> None:
        self.sqlstate = state


def _error(state: str) -> psycopg.Error:
    """An error of psycopg's class for `state`, carrying that SQLSTATE as a server error does."""
    base: type[psycopg.Error] = psycopg.errors.lookup(state)

    class FromServer(base):  # type: ignore[valid-type,misc]
        @property
        def diag(self) -> _Diag:
            return _Diag(state)

    FromServer.__name__ = base.__name__
    return FromServer("refused")


@pytest.mark.parametrize(("state", "expected"), sorted(TABLE.items()))
def test_each_sqlstate_becomes_its_clubrules_error(state: str, expected: type[Exception]) -> None:
    translated = translate(_error(state), migration=False)
    assert type(translated) is expected
    assert state in str(translated) or expected is MigrationError


def test_a_program_limit_is_an_operational_error_to_psycopg_but_never_retryable() -> None:
    error = _error("54000")
    assert isinstance(error, psycopg.OperationalError)
    translated = translate(error, migration=False)
    assert not isinstance(translated, RetryableStorageError)
    assert "retrying fails the same way" in str(translated)


def test_errors_without_a_state_are_retryable_only_when_operational() -> None:
    # A connection lost before the server answered, or a pool that timed out.
    assert isinstance(
        translate(psycopg.OperationalError("lost"), migration=False), RetryableStorageError
    )
    assert type(translate(psycopg.InterfaceError("closed"), migration=False)) is StorageError
    assert type(translate(psycopg.ProgrammingError("bad"), migration=False)) is StorageError


def test_a_nul_refused_by_psycopg_is_a_validation_error() -> None:
    error = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    translated = translate(error, migration=False)
    assert isinstance(translated, ValidationError)
    assert translated.rule == "nul_character"


def test_a_failed_migration_is_a_migration_error_unless_transient() -> None:
    assert type(translate(_error("22012"), migration=True)) is MigrationError
    assert type(translate(_error("40001"), migration=True)) is RetryableStorageError


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=5, max_size=5))
def test_retryable_means_a_transient_class_or_state(state: str) -> None:
    transient = state[:2] == "08" or state in {
        "40001",
        "40P01",
        "55P03",
        "57014",
        "57P01",
        "57P02",
        "57P03",
        "53000",
        "53100",
        "53200",
        "53300",
    }
    assert is_retryable(state) is transient
    assert is_retryable(state, operational=True) is transient


# --- connections refused for their settings ----------------------------------------
#
# libpq gives the server's startup refusal as text, without its SQLSTATE; the
# messages below are libpq's and psycopg's, as `psycopg.connect` raises them.

SOCKET = 'connection to server on socket "/tmp/pg/.s.PGSQL.5432" failed: '
TCP = 'connection to server at "db.internal" (10.0.0.7), port 5432 failed: '
# The reason of one attempt -> (reason code, SQLSTATE), or None when a retry may help.
ATTEMPTS: dict[str, tuple[str, str] | None] = {
    'FATAL:  password authentication failed for user "li"': ("invalid_password", "28P01"),
    'FATAL:  Peer authentication failed for user "li"': ("authentication_failed", "28000"),
    'FATAL:  role "li" does not exist': ("unknown_role", "28000"),
    'FATAL:  role "li" is not permitted to log in': ("login_not_permitted", "28000"),
    'FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "li", database "club", no encryption': (
        "no_hba_entry",
        "28000",
    ),
    'FATAL:  database "club" does not exist': ("unknown_database", "3D000"),
    'FATAL:  database "club" is not currently accepting connections': ("database_closed", "55000"),
    'FATAL:  permission denied for database "club"': ("connect_not_permitted", "42501"),
    'FATAL:  unrecognized configuration parameter "nonexistent"': ("unknown_setting", "42704"),
    'FATAL:  invalid value for parameter "work_mem": "banana"': ("invalid_setting_value", "22023"),
    'FATAL:  -5 ms is outside the valid range for parameter "statement_timeout" (0 .. 1)': (
        "invalid_setting_value",
        "22023",
    ),
    'FATAL:  parameter "server_version" cannot be changed': ("setting_not_settable", "55P02"),
    'FATAL:  permission denied to set parameter "log_statement"': (
        "setting_not_permitted",
        "42501",
    ),
    "FATAL:  invalid command-line argument for server process: foo": ("invalid_options", "42601"),
    "FATAL:  --bogus requires a value": ("invalid_options", "42601"),
    "fe_sendauth: no password supplied": ("no_password", ""),
    'authentication method requirement "password" failed: server did not complete authentication': (
        "auth_requirement",
        "",
    ),
    "server does not support SSL, but SSL was required": ("ssl_unsupported", ""),
    # Transient, or not recognised: a retry keeps its chance.
    "Connection refused": None,
    "No such file or directory": None,
    "timeout expired": None,
    "FATAL:  the database system is starting up": None,
    "FATAL:  the database system is shutting down": None,
    "FATAL:  sorry, too many clients already": None,
    'FATAL:  too many connections for role "li"': None,
    "FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute": None,
    "server closed the connection unexpectedly": None,
    "session is not read-only": None,
    'FATAL:  la autentificación password falló para el usuario "li"': None,
}
# libpq's own settings, refused before any attempt.
SETTINGS = [
    'connection is bad: invalid sslmode value: "bogus"',
    'connection is bad: invalid port number: "99999"',
    'connection is bad: invalid integer value "abc" for connection option "port"',
    'connection is bad: invalid "ssl_min_protocol_version" value: "TLSv9"',
    'connection is bad: invalid require_auth method: "bogus"',
    "connection is bad: could not match 2 port numbers to 3 hosts",
    'connection is bad: could not parse network address "zz": Name or service not known',
]


def _refused(reasons: list[str], *, prefix: str = SOCKET) -> psycopg.OperationalError:
    """psycopg's error for failed attempts: the last first, then every attempt on a line."""
    if len(reasons) == 1:
        return psycopg.OperationalError(f"connection failed: {prefix}{reasons[0]}")
    lines = [f"connection failed: {prefix}{reasons[-1]}", "Multiple connection attempts failed."]
    lines += [
        f"- host: 'h{i}', port: '5432': connection failed: {prefix}{r}"
        for i, r in enumerate(reasons)
    ]
    return psycopg.OperationalError("\n".join(lines))


@pytest.mark.parametrize("reason", sorted(ATTEMPTS))
def test_each_refusal_is_permanent_or_transient(reason: str) -> None:
    expected = ATTEMPTS[reason]
    for prefix in (SOCKET, TCP):
        made = connect_refusal(_refused([reason], prefix=prefix))
        if expected is None:
            assert made is None
            continue
        assert type(made) is StorageConfigurationError
        assert (made.reason, made.diagnostics and made.diagnostics.code) == expected
        assert "retrying cannot help" in str(made)
        assert '"li"' not in str(made)
        assert "club" not in str(made)
        assert "db.internal" not in str(made)


@pytest.mark.parametrize("message", SETTINGS)
def test_an_invalid_libpq_setting_is_permanent(message: str) -> None:
    made = connect_refusal(psycopg.OperationalError(message))
    assert made is not None
    assert made.reason == "invalid_libpq_setting"
    assert made.diagnostics is not None
    assert made.diagnostics.code == ""
    assert "bogus" not in str(made)
    assert "99999" not in str(made)


def test_a_refusal_needs_an_operational_error_without_a_sqlstate() -> None:
    text = f'connection failed: {SOCKET}FATAL:  role "li" does not exist'
    assert connect_refusal(psycopg.InterfaceError(text)) is None
    assert connect_refusal(_error("28000")) is None  # from the server, with its state: translate
    assert connect_refusal(psycopg.OperationalError("failed to resolve host 'db'")) is None


@given(st.lists(st.sampled_from(sorted(ATTEMPTS)), min_size=1, max_size=4))
def test_several_hosts_are_refused_for_good_only_if_every_attempt_is(reasons: list[str]) -> None:
    # The oracle: permanent exactly when no attempt's failure is one a retry may get past.
    expected = [ATTEMPTS[r] for r in reasons]
    made = connect_refusal(_refused(reasons))
    if any(e is None for e in expected):
        assert made is None
    else:
        assert made is not None
        # The cause named is the last attempt's, which psycopg puts first.
        assert made.reason == expected[-1][0]  # type: ignore[index] # none is None


def test_a_refusal_is_logged_once_until_a_connection_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refusals = Refusals()
    wrong = _refused(['FATAL:  password authentication failed for user "li"'])
    gone = _refused(['FATAL:  database "club" does not exist'])
    with caplog.at_level(logging.ERROR, logger="clubrules.storage"):
        for error in (wrong, wrong, wrong, gone, gone):
            assert refusals.refused(error) is not None
        refusals.connected()
        assert refusals.refused(gone) is not None
        assert refusals.refused(_refused(["Connection refused"])) is None
    logged = [r.getMessage() for r in caplog.records if r.name == "clubrules.storage"]
    assert [m.split("(")[1][:5] for m in logged] == ["28P01", "3D000", "3D000"]
    assert all('"li"' not in m and "club " not in m for m in logged)


def test_the_first_contact_ends_within_the_wait_unless_the_url_says_otherwise() -> None:
    assert first_contact_settings("postgresql:///club", 0.5)["connect_timeout"] == 2
    assert first_contact_settings("postgresql:///club", 30.2)["connect_timeout"] == 31
    assert "connect_timeout" not in first_contact_settings(
        "postgresql:///club?connect_timeout=7", 30
    )
