"""The error tree of clubrules.

Every error the library raises on purpose derives from `ClubRulesError`,
so one `except ClubRulesError` catches them all. Errors carry structured
fields (which field, which rule, which conflicting items) besides their
message, and a message never contains a sensitive value (health data, allergy
data, phone numbers, names).

```text
ClubRulesError
├── ValidationError (ValueError)          bad input; holds one or more Violations
│   ├── NaiveDatetimeError                a datetime without a time zone
│   ├── InvalidIntervalError              end before start, empty interval
│   ├── UnknownTimeZoneError              not an IANA zone name
│   ├── InvalidPhoneNumberError           not a valid phone number
│   ├── InvalidMoneyError                 not a finite Decimal amount / currency
│   ├── InvalidHoursError                 calendar: unreadable or overlapping opening hours
│   ├── InvalidRubricError                staff: weights not summing to 100, bad scales or bands
│   ├── PeriodNotEndedError               staff: assessing a period that has not ended
│   └── InputError                        cli: a bad file row or option, by line and column
├── NotFoundError (LookupError)           an id that the repository does not hold
├── ConflictError                         the request clashes with stored state
│   ├── SlotConflictError                 a booking overlaps other bookings
│   ├── DuplicateError                    an id or idempotency key already taken
│   ├── StaleVersionError                 optimistic concurrency: appended at an old version
│   └── ActivityFullError                 activities: no seat and no waitlist place left
├── IllegalTransitionError                a state machine refused a move
├── CalendarError                         the business calendar cannot answer
│   ├── MissingHolidayDataError           asked about a year without holiday data
│   └── NoBusinessTimeError               no opening hours within the search horizon
├── PrivacyError                          field encryption, consent and access control
│   ├── DecryptionError                   opaque: tampered, wrong key, wrong place
│   ├── KeyringError                      unknown or retired key, bad key material
│   ├── AccessDeniedError                 role or consent refuses a read
│   │   └── ConsentRequiredError          the customer has not consented to the purpose
│   └── LeakRefusedError (TypeError)      privacy: pickling a Sensitive value, and the like
└── StorageError                          an adapter could not complete an operation
    ├── RetryableStorageError             transient: lock timeout, lost connection
    ├── StorageConfigurationError         a connection refused for its settings: do not retry
    ├── CommitOutcomeUnknownError         lost during COMMIT: may be stored, do not rerun
    ├── MigrationError                    the schema cannot be migrated
    └── ErasureNotFinalError              privacy: a data key is deleted, its bytes not yet purged

UserWarning
└── ClubRulesWarning
    ├── MissingHolidayDataWarning         a calendar was asked about a year it lacks
    └── KeyUsageWarning                   privacy: a key nears its safe limit of encryptions
```

Validation errors can report several problems at once: each problem is a
`Violation` (field, rule, message, items), and
`ValidationError.violations` holds all of them. Use
`ViolationCollector` to gather problems and raise them together.

The module follows the tree from top to bottom, one section per branch;
the warnings come last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self

import attrs

from clubrules._shown import shown

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "AccessDeniedError",
    "ActivityFullError",
    "CalendarError",
    "ClubRulesError",
    "ClubRulesWarning",
    "CommitOutcomeUnknownError",
    "ConflictError",
    "ConsentRequiredError",
    "DecryptionError",
    "DuplicateError",
    "ErasureNotFinalError",
    "IllegalTransitionError",
    "InputError",
    "InvalidHoursError",
    "InvalidIntervalError",
    "InvalidMoneyError",
    "InvalidPhoneNumberError",
    "InvalidRubricError",
    "KeyUsageWarning",
    "KeyringError",
    "LeakRefusedError",
    "MigrationError",
    "MissingHolidayDataError",
    "MissingHolidayDataWarning",
    "NaiveDatetimeError",
    "NoBusinessTimeError",
    "NotFoundError",
    "PeriodNotEndedError",
    "PrivacyError",
    "RetryableStorageError",
    "SlotConflictError",
    "StaleVersionError",
    "StorageConfigurationError",
    "StorageDiagnostics",
    "StorageError",
    "UnknownTimeZoneError",
    "ValidationError",
    "Violation",
    "ViolationCollector",
]


# --- the root, and the problems a validation error holds ---------------------


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise ValidationError(
            f"must be a list of ids, not {type(values).__name__}", field="items", rule="not_a_list"
        )
    return tuple(values)


@attrs.frozen
class Violation:
    """One problem found in an input.

    Attributes:
        field: The dotted path of the offending field, for example
            `"weekly_hours.mon[1]"` or `"phone"`.
        rule: A stable, machine-readable code for the rule that failed, for
            example `"naive_datetime"` or `"end_before_start"`.
        message: A human-readable explanation. It never contains a sensitive
            value.
        items: Identifiers of other items involved, such as conflicting
            booking ids.
    """

    field: str
    rule: str
    message: str
    items: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ClubRulesError(Exception):
    """The root of every error that clubrules raises on purpose."""


# --- validation: bad input ---------------------------------------------------


def _rebuild_validation_error(
    cls: type[ValidationError], violations: tuple[Violation, ...]
) -> ValidationError:
    return cls(violations=violations)


class ValidationError(ClubRulesError, ValueError):
    """An input broke one or more rules.

    Raise it with one problem::

        raise ValidationError("must be positive", field="headcount", rule="positive")

    or with several, gathered by a `ViolationCollector`.

    Attributes:
        violations: Every problem found, in the order found.
    """

    default_rule: ClassVar[str] = "invalid"

    violations: tuple[Violation, ...]

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str = "",
        rule: str | None = None,
        items: Iterable[str] = (),
        violations: Iterable[Violation] = (),
    ) -> None:
        found = list(violations)
        if message is not None:
            found.insert(
                0,
                Violation(
                    field=field,
                    rule=rule or self.default_rule,
                    message=message,
                    items=tuple(items),
                ),
            )
        if not found:
            # Raised bare (`raise ValidationError()`), it still says something.
            found.append(
                Violation(field=field, rule=rule or self.default_rule, message="invalid input")
            )
        self.violations = tuple(found)
        super().__init__(self._render())

    @property
    def field(self) -> str:
        """The field of the first violation."""
        return self.violations[0].field

    @property
    def rule(self) -> str:
        """The rule code of the first violation."""
        return self.violations[0].rule

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field that has a violation, in order, without repeats."""
        return tuple(dict.fromkeys(v.field for v in self.violations))

    def _render(self) -> str:
        if len(self.violations) == 1:
            return str(self.violations[0])
        lines = "; ".join(str(v) for v in self.violations)
        return f"{len(self.violations)} problems: {lines}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_validation_error, (type(self), self.violations))


class ViolationCollector:
    """Gathers violations so that all of them can be reported together.

    Example::

        problems = ViolationCollector()
        if headcount < 1:
            problems.add("headcount", "positive", "must be at least 1")
        problems.raise_if_any()
    """

    def __init__(self) -> None:
        self._violations: list[Violation] = []

    def add(self, field: str, rule: str, message: str, *, items: Iterable[str] = ()) -> None:
        """Record one problem."""
        self._violations.append(Violation(field, rule, message, tuple(items)))

    def extend(self, violations: Iterable[Violation]) -> None:
        """Record problems found elsewhere, for example by a nested validator."""
        self._violations.extend(violations)

    def absorb(self, error: ValidationError, *, prefix: str = "") -> None:
        """Record the violations of a caught error, optionally under a field prefix."""
        for v in error.violations:
            field = f"{prefix}.{v.field}" if prefix and v.field else (prefix or v.field)
            self._violations.append(attrs.evolve(v, field=field))

    @property
    def violations(self) -> tuple[Violation, ...]:
        """The problems recorded so far."""
        return tuple(self._violations)

    def __bool__(self) -> bool:
        return bool(self._violations)

    def __len__(self) -> int:
        return len(self._violations)

    def raise_if_any(self, error_type: type[ValidationError] = ValidationError) -> None:
        """Raise `error_type` holding every recorded problem, if there is any."""
        if self._violations:
            raise error_type(violations=self._violations)


class NaiveDatetimeError(ValidationError):
    """A datetime without a time zone was given where an instant is needed."""

    default_rule = "naive_datetime"


class InvalidIntervalError(ValidationError):
    """An interval ends before it starts, or is empty where that is not allowed."""

    default_rule = "end_before_start"


class UnknownTimeZoneError(ValidationError):
    """A time zone name is not a known IANA zone."""

    default_rule = "unknown_time_zone"


class InvalidPhoneNumberError(ValidationError):
    """A phone number could not be parsed, or is not a valid number."""

    default_rule = "invalid_phone_number"


class InvalidMoneyError(ValidationError):
    """An amount is not a finite Decimal, or its currency is not an ISO 4217 code."""

    default_rule = "invalid_money"


class InvalidHoursError(ValidationError):
    """Opening hours that cannot be read (not `"HH:MM-HH:MM"`), or that overlap.

    Overlaps include an overnight range that spills into the next day's first
    range; the rule is then `overlapping_hours`.
    """

    default_rule = "invalid_hours"


class InvalidRubricError(ValidationError):
    """staff: an assessment rubric that cannot be used.

    Weights that do not sum to exactly 100 (checked in Decimal), sub-item
    maxima that do not sum to their criterion's maximum, a KPI scale whose
    floor is not below its target, bands that leave a gap or overlap.
    Every problem of one rubric is reported together.
    """

    default_rule = "invalid_rubric"


class PeriodNotEndedError(ValidationError):
    """staff: an assessment was asked for a period that has not ended yet.

    A score sheet is final only once its period is over, so that its KPIs
    count every event of the period.
    """

    default_rule = "period_not_ended"


class InputError(ValidationError):
    """cli: an input file or an option value that cannot be read, placed by line and column.

    A malformed row or header of an exported file, or an option such as
    `--as-of` that is not a date. The message names the place, never the
    value: an export may hold phone numbers. The violation's field is the
    column (or JSON key), if there is one.

    Attributes:
        message: What is wrong, without the place.
        line: The line of the file, if the problem is in a file.
        column: The column (or JSON key) of that line, if known.
        word: What `column` is called in the message: `"column"`, or `"key"`
            for JSON.
    """

    default_rule = "invalid_input"

    def __init__(
        self, message: str, *, line: int | None = None, column: str | None = None, word: str = ""
    ) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.word = word or "column"
        super().__init__(message, field=column or "")

    def render(self) -> str:
        """The message with its place: `line 7, column 'start': ...`."""
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"{self.word} {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def _render(self) -> str:
        return self.render()

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_input_error,
            (type(self), self.message, self.line, self.column, self.word),
        )


def _rebuild_input_error(
    cls: type[InputError], message: str, line: int | None, column: str | None, word: str
) -> InputError:
    return cls(message, line=line, column=column, word=word)


# --- lookups and conflicts ---------------------------------------------------


class NotFoundError(ClubRulesError, LookupError):
    """A repository or registry does not hold the requested item.

    Attributes:
        kind: What was looked for, for example `"customer"` or `"resource"`.
        key: The identifier that was not found.
    """

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.kind, self.key))


class ConflictError(ClubRulesError):
    """A request clashes with stored state.

    Attributes:
        conflicts: The conflicting items, as values of the raising area (for
            example booking conflicts). Empty when the area has none to give.
        diagnostics: For a conflict that a database refused (a unique or
            exclusion constraint), the codes and schema names of the
            driver's error (see `StorageError`); else None.
    """

    diagnostics: StorageDiagnostics | None = None

    def __init__(self, message: str, *, conflicts: Sequence[object] = ()) -> None:
        self._conflicts: tuple[object, ...] | None = tuple(conflicts)
        self._find: Callable[[], Sequence[object]] | None = None
        super().__init__(message)

    @property
    def conflicts(self) -> tuple[object, ...]:
        """The conflicting items (see the class); empty when the area has none to give."""
        found = self._conflicts
        if found is None:
            find, self._find = self._find, None
            found = self._conflicts = () if find is None else tuple(find())
        return found

    @classmethod
    def _found_later(cls, message: str, find: Callable[[], Sequence[object]]) -> Self:
        """An error whose `conflicts` are worked out by `find` when first read (private).

        For a storage adapter whose refused writers often never look at the
        conflicts: a writer that lost a race pays for building them only if
        it reads them. `find` must give the same values whenever it runs.
        """
        error = cls(message)
        error._conflicts = None
        error._find = find
        return error

    def __reduce__(self) -> tuple[object, ...]:
        return self._with_diagnostics(
            (_rebuild_conflict, (type(self), self.args[0], self.conflicts))
        )

    def _with_diagnostics(self, rebuilt: tuple[object, object]) -> tuple[object, ...]:
        """`rebuilt` for `__reduce__`, with the diagnostics a database attached, if any."""
        if self.diagnostics is not None:
            return (*rebuilt, {"diagnostics": self.diagnostics})
        return rebuilt


def _rebuild_conflict(
    cls: type[ConflictError], message: str, conflicts: tuple[object, ...]
) -> ConflictError:
    error = cls.__new__(cls)
    ConflictError.__init__(error, message, conflicts=conflicts)
    return error


class SlotConflictError(ConflictError):
    """A booking overlaps other bookings, or would exceed a resource's capacity.

    `conflicts` holds one value per clash, naming the other booking and
    the resource.
    """


class DuplicateError(ConflictError):
    """An identifier, or an idempotency key bound to other content, is already taken."""


class StaleVersionError(ConflictError):
    """An append was made at a version that is no longer current.

    Attributes:
        stream: The identifier of the event stream (a case id, say).
        expected: The version the writer believed current.
        actual: The version actually stored.
    """

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        self.stream = stream
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{stream!r} is at version {actual}, not at the expected version {shown(expected)}"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return self._with_diagnostics((type(self), (self.stream, self.expected, self.actual)))


class ActivityFullError(ConflictError):
    """A sign-up found every seat of an activity taken and its waitlist full (or none kept).

    Attributes:
        activity_id: The activity's id.
        capacity: Its seats.
        waitlist_limit: The most customers its waitlist holds (0: no waitlist).
    """

    def __init__(self, activity_id: str, capacity: int, waitlist_limit: int) -> None:
        self.activity_id = activity_id
        self.capacity = capacity
        self.waitlist_limit = waitlist_limit
        super().__init__(
            f"activity {activity_id!r} is full: {capacity} seats taken and "
            f"{waitlist_limit} on its waitlist"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return self._with_diagnostics(
            (type(self), (self.activity_id, self.capacity, self.waitlist_limit))
        )


# --- state machines ----------------------------------------------------------


class IllegalTransitionError(ClubRulesError):
    """A state machine refused a move that is not allowed from its current state.

    Attributes:
        state: The current state.
        action: The move that was attempted.
        allowed: The moves that are allowed from `state`, sorted.
    """

    def __init__(
        self, state: str, action: str, allowed: Iterable[str], *, reason: str = ""
    ) -> None:
        self.state = state
        self.action = action
        self.allowed = tuple(sorted(allowed))
        self.reason = reason
        allowed_text = ", ".join(self.allowed) if self.allowed else "none"
        detail = f" ({reason})" if reason else ""
        super().__init__(f"cannot {action} from state {state!r}{detail}; allowed: {allowed_text}")

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_transition,
            (type(self), self.state, self.action, self.allowed, self.reason),
        )


def _rebuild_transition(
    cls: type[IllegalTransitionError],
    state: str,
    action: str,
    allowed: tuple[str, ...],
    reason: str,
) -> IllegalTransitionError:
    return cls(state, action, allowed, reason=reason)


# --- calendar ----------------------------------------------------------------


class CalendarError(ClubRulesError):
    """A business calendar cannot answer the question asked of it."""


class MissingHolidayDataError(CalendarError):
    """A calendar was asked about a year for which it has no holiday data.

    Attributes:
        year: The year asked about.
        known_years: The years for which the calendar has holiday data.
    """

    def __init__(self, year: int, known_years: Iterable[int]) -> None:
        self.year = year
        self.known_years = tuple(sorted(known_years))
        span = f"{self.known_years[0]}-{self.known_years[-1]}" if self.known_years else "no years"
        super().__init__(f"no holiday data for {year}; the calendar has data for {span}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.year, self.known_years))


class NoBusinessTimeError(CalendarError):
    """A calendar has no opening hours within the horizon it searched."""


# --- privacy -----------------------------------------------------------------


class PrivacyError(ClubRulesError):
    """The root of field-encryption, consent and access-control errors."""


class DecryptionError(PrivacyError):
    """A sealed value could not be opened.

    The message is always the same and gives no detail, on purpose: the value
    may have been tampered with, moved to another record or field, sealed
    under an unknown or retired key, truncated, or written by a future format.
    """

    def __init__(self) -> None:
        super().__init__("decryption failed")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), ())


class KeyringError(PrivacyError):
    """A key is unknown, retired, malformed, or cannot be loaded."""


class AccessDeniedError(PrivacyError):
    """A read of sensitive data was refused by the role policy or by consent.

    Attributes:
        actor: Who asked.
        role: In which role.
        purpose: For which purpose.
        reason: A stable code for why it was refused.
    """

    def __init__(self, actor: str, role: str, purpose: str, reason: str) -> None:
        self.actor = actor
        self.role = role
        self.purpose = purpose
        self.reason = reason
        super().__init__(f"{actor!r} acting as {role!r} may not read for {purpose!r}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.actor, self.role, self.purpose, self.reason))


class ConsentRequiredError(AccessDeniedError):
    """The customer has not given (or has withdrawn) consent for the purpose."""


class LeakRefusedError(PrivacyError, TypeError):
    """An operation would expose a sensitive value, such as pickling a `Sensitive`.

    The message names the operation, never the value.
    """


# --- storage -----------------------------------------------------------------


@attrs.frozen
class StorageDiagnostics:
    """What a storage error keeps of the database driver's error: codes and names, no values.

    The driver's own error is not chained to the clubrules error (see
    `StorageError`): its message, detail and context can quote the values of
    the row it refused. These fields are what is safe to keep of it.

    Attributes:
        code: PostgreSQL's SQLSTATE (`"23514"`) or SQLite's error name
            (`"SQLITE_CONSTRAINT_CHECK"`); empty when the driver gave none
            (a refused connection, a pool timeout). For a connection that
            the server refused while it was being opened, the SQLSTATE that
            the server's message stands for (`"28P01"`): libpq passes on the
            message but not the code.
        error_class: The driver's exception class name (`"CheckViolation"`,
            `"IntegrityError"`, `"PoolTimeout"`).
        constraint: The name of the constraint that refused the row, if
            the server named one.
        table: The name of the table involved, if the server named one.
        column: The name of the column involved, if the server named one.
        datatype: The name of the data type involved, if the server named one.
    """

    code: str
    error_class: str
    constraint: str | None = None
    table: str | None = None
    column: str | None = None
    datatype: str | None = None

    def __str__(self) -> str:
        names = (
            ("constraint", self.constraint),
            ("table", self.table),
            ("column", self.column),
            ("type", self.datatype),
        )
        named = ", ".join(f"{kind} {name}" for kind, name in names if name)
        label = f"{self.code} {self.error_class}".strip()
        return f"{label}; {named}" if named else label


class StorageError(ClubRulesError):
    """A storage adapter could not complete an operation.

    A storage error that stands for a database driver's error does not chain
    it: neither its `__cause__` nor its `__context__` is the driver's error,
    whose message and diagnostics can quote the values of a row (and
    `logger.exception` or a traceback would print them). Only an error
    raised before the server saw any value (a refused connection, a pool
    that handed out no connection) keeps the driver's error as its cause.

    Attributes:
        diagnostics: The codes and schema names of the driver's error, or
            None for an error that no driver error caused.
    """

    diagnostics: StorageDiagnostics | None = None


class RetryableStorageError(StorageError):
    """A transient storage failure (a lock held elsewhere, a lost connection).

    Nothing was written; the same call may succeed if retried.
    """


class StorageConfigurationError(StorageError):
    """A connection was refused for its settings: retrying cannot help until they are fixed.

    A wrong or missing password, a role that does not exist or may not log
    in, a database that does not exist, server settings in `options` that
    the server refuses, a libpq setting with an invalid value
    (`sslmode=bogus`, `port=99999`). Not a `RetryableStorageError`: the same
    call fails the same way until someone fixes the connection URL, the
    role or the server's configuration. The message names the cause in
    words and, where the server sent one, its SQLSTATE; never the
    password or the URL. `diagnostics.code` holds that SQLSTATE (empty for
    a libpq setting), and the driver's error stays the `__cause__`, for
    operators.

    Attributes:
        reason: A stable code for the cause, for example
            `"invalid_password"`, `"unknown_role"`, `"unknown_database"`,
            `"invalid_setting_value"` or `"invalid_libpq_setting"`; empty
            if none was given.
    """

    def __init__(self, message: str, *, reason: str = "") -> None:
        self.reason = reason
        super().__init__(message)


class CommitOutcomeUnknownError(StorageError):
    """The connection failed while a transaction was committing: it may or may not be stored.

    Not a `RetryableStorageError`: running the transaction again could do
    its work twice. Check what is stored (by the ids the work used, or an
    idempotency key) before doing anything again.
    """


class MigrationError(StorageError):
    """A database schema could not be migrated."""


class ErasureNotFinalError(StorageError):
    """A customer's data key is deleted, but its bytes may still be in the store's files.

    The key is gone for every reader: no process opens the customer's values
    any more. But the store could not yet purge the old bytes from its files
    (a SQLite checkpoint waited for another connection's read transaction),
    so a file-copy backup taken now could still hold the wrapped key. Call
    `CustomerKeys.erase` (or `PrivacyVault.erase`) again later: it retries
    the purge, and returns without this error once the erasure is final.

    Attributes:
        customer_id: Whose data key was deleted.
        reason: Why the purge could not finish yet.
    """

    def __init__(self, customer_id: str, reason: str) -> None:
        self.customer_id = customer_id
        self.reason = reason
        super().__init__(
            f"the data key of customer {customer_id!r} is deleted and no longer opens, but "
            f"its bytes may remain in the store's files ({reason}); erase again to finish"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.customer_id, self.reason))


# --- warnings ----------------------------------------------------------------


class ClubRulesWarning(UserWarning):
    """The root of every warning that clubrules issues."""


class MissingHolidayDataWarning(ClubRulesWarning):
    """A calendar was asked about a year for which it has no holiday data."""


class KeyUsageWarning(ClubRulesWarning):
    """A key has sealed so many values that its random nonces near their safe limit.

    AES-GCM with random 96-bit nonces is safe for about 2^32 encryptions per
    key. Rotate the keyring when this warning appears.
    """
