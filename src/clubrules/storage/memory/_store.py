"""What every in-memory adapter shares: a dict behind a lock, ordering by instant, tenants.

Instants are compared as epoch microseconds, never as datetimes: Python
compares two datetimes of one zone by wall time, so the repeated hour of a
DST change would sort and filter wrongly.

Tenants are siblings: `TenantSiblings.for_tenant` gives each tenant an
instance of its own, so no method ever filters by tenant and no tenant's
data can show through another's handle.
"""

from __future__ import annotations

import threading
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, NoReturn, Self, TypeVar, cast

from clubrules._checks import LIVE_HANDLE, refuse_pickle
from clubrules._time import require_window, to_epoch_us
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.storage._tenant import DEFAULT_TENANT, check_tenant

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from clubrules.storage._values import Keyed

__all__ = ["Table", "TenantSiblings", "by_instant"]

K = TypeVar("K")
V = TypeVar("V")


class Table(Generic[K, V]):
    """Values of one kind by key, behind a lock; the kind names them in errors."""

    def __init__(self, kind: str, lock: threading.Lock | None = None) -> None:
        self.kind = kind
        self.lock = lock or threading.Lock()
        self.rows: dict[K, V] = {}

    def add_new(self, key: K, value: V, taken: str | None = None) -> None:
        """Store a value under a new key; `DuplicateError` (with `taken`) if the key is held."""
        with self.lock:
            if key in self.rows:
                raise DuplicateError(taken or f"{self.kind} {key!r} already exists")
            self.rows[key] = value

    def add_once(self, key: K, value: V) -> bool:
        """Store a value; False if stored as is, `DuplicateError` if the key holds another."""
        with self.lock:
            stored = self.rows.get(key)
            if stored is None:
                self.rows[key] = value
                return True
        if stored == value:
            return False
        raise DuplicateError(f"{self.kind} {key!r} already exists with other content")

    def get(self, key: K) -> V:
        """The value under `key`; `NotFoundError` if there is none."""
        with self.lock:
            try:
                return self.rows[key]
            except KeyError:
                raise NotFoundError(self.kind, str(key)) from None

    def select(self, keep: Callable[[V], bool]) -> list[V]:
        """The stored values that `keep` accepts (a snapshot)."""
        with self.lock:
            return [v for v in self.rows.values() if keep(v)]

    def in_window(
        self: Table[K, Keyed],
        at: Callable[[Keyed], datetime],
        field: str,
        wanted: str | None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Keyed]:
        """The values whose `field` is `wanted` (any if None), by instant `at` then id.

        Only those whose instant lies in `[start, end)` (unbounded where None).

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        bounds = require_window(start, end)
        key = attrgetter(field)
        return by_instant(self.select(lambda v: wanted is None or key(v) == wanted), at, bounds)

    def __len__(self) -> int:
        return len(self.rows)


def by_instant(
    values: Iterable[Keyed],
    at: Callable[[Keyed], datetime],
    bounds: tuple[int | None, int | None] = (None, None),
) -> list[Keyed]:
    """The values whose instant `at` lies in `bounds`, by instant then id."""
    lo, hi = bounds
    keyed = [(to_epoch_us(at(v)), v.id, v) for v in values]
    keyed = [k for k in keyed if (lo is None or k[0] >= lo) and (hi is None or k[0] < hi)]
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [k[2] for k in keyed]


class _Family:
    """The instances of one adapter, one per tenant, and the settings they are built with."""

    __slots__ = ("args", "kwargs", "lock", "members")

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any], first: object) -> None:
        self.args = args
        self.kwargs = kwargs
        self.lock = threading.Lock()
        self.members: dict[str, object] = {DEFAULT_TENANT: first}


class TenantSiblings:
    """`for_tenant` and `tenant` for an in-memory adapter, written once.

    The instance a caller builds holds the tenant `"default"`'s data.
    `for_tenant(tenant)` returns a sibling: an instance of the same class,
    built with the same constructor arguments, holding that tenant's data
    only. It is created on the first call (under a lock, so two threads get
    the same one) and returned again by every later call on any sibling.
    The arguments are captured by `__new__`, so an adapter's `__init__`
    does not change; an adapter whose arguments hold another repository
    overrides `_sibling_settings` to give the sibling that repository's own
    sibling.
    """

    _tenant: str
    _family: _Family

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(self, LIVE_HANDLE)

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:  # noqa: ANN401 - any adapter's settings
        """A new instance of the tenant `"default"`, the first of its family."""
        self = super().__new__(cls)
        self._tenant = DEFAULT_TENANT
        self._family = _Family(args, kwargs, self)
        return self

    @property
    def tenant(self) -> str:
        """The tenant whose data this instance holds (`"default"` for the one built)."""
        return self._tenant

    def for_tenant(self, tenant: str) -> Self:
        """The sibling instance holding `tenant`'s data only (this one for its own tenant).

        Raises:
            ValidationError: `tenant` is not a tenant id (field `tenant`).
        """
        tenant = check_tenant(tenant)
        family = self._family
        with family.lock:
            member = family.members.get(tenant)
            if member is None:
                args, kwargs = self._sibling_settings(tenant, family.args, family.kwargs)
                sibling = type(self)(*args, **kwargs)
                # The new instance is of this class: its state is this class's to set.
                sibling._tenant = tenant  # noqa: SLF001
                sibling._family = family  # noqa: SLF001
                family.members[tenant] = member = sibling
        return cast("Self", member)

    def _sibling_settings(
        self, tenant: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The constructor arguments of `tenant`'s sibling: by default the same as this one's."""
        del tenant
        return args, kwargs

    def _adopt_tenant(self, tenant: str) -> None:
        """Make a just-built instance the one of `tenant` in its family (in `__init__` only)."""
        tenant = check_tenant(tenant)
        family = self._family
        with family.lock:
            if family.members == {self._tenant: self}:
                family.members = {tenant: self}
                self._tenant = tenant
