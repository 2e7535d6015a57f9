"""Tenant handles: one database's connections, pool and units of work, bound to one tenant."""

from __future__ import annotations

import threading
from typing import Any, NoReturn, Self

from clubrules._checks import LIVE_HANDLE, refuse_pickle
from clubrules.errors import StorageError
from clubrules.storage._tenant import DEFAULT_TENANT, check_tenant

__all__ = ["TenantHandles", "other_tenant"]

_CREATING = threading.Lock()


class TenantHandles:
    """What gives `SQLiteDatabase`, `PostgresDatabase` and `AsyncPostgresDatabase` `for_tenant`.

    A handle is an instance of the database's own class that shares the
    database's whole state (its `__dict__`: the pool, the lock, the units of
    work open, the closed flag) and differs only in its tenant, kept in a
    slot outside that state. So a handle is as cheap as an attribute lookup,
    closing the database closes every handle, and a unit of work opened
    through one handle is seen (and refused, for another tenant) by all.
    """

    __slots__ = ("_tenant",)

    _tenant: str

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(self, LIVE_HANDLE)

    def __new__(cls, *_args: Any, **_kwargs: Any) -> Self:  # noqa: ANN401 - any constructor
        """Every database starts as the default tenant's (constructors and `cls.__new__(cls)`)."""
        instance = super().__new__(cls)
        instance._tenant = DEFAULT_TENANT
        return instance

    @property
    def tenant(self) -> str:
        """The tenant whose rows the adapters built on this handle read and write."""
        return self._tenant

    def for_tenant(self, tenant: str) -> Self:
        """This database bound to `tenant`: the same handle for the same tenant.

        Adapters built on the handle read and write that tenant's rows only,
        and the same ids may exist in another tenant. The handle shares the
        database's connections and lifetime: do not close it separately
        (closing either closes both). `for_tenant("default")` is the
        database's own tenant, the one a single-club database uses.

        Raises:
            ValidationError: `tenant` is not a tenant id (1 to 63 ASCII
                letters, digits, `_`, `.`, `:` or `-`).
        """
        tenant = check_tenant(tenant)
        if tenant == self._tenant:
            return self
        state: dict[str, Any] = self.__dict__
        with _CREATING:
            # The first call comes from the database itself (no handle exists yet).
            handles: dict[str, Self] = state.setdefault("_tenant_handles", {self._tenant: self})
            handle = handles.get(tenant)
            if handle is None:
                handle = object.__new__(type(self))
                handle._tenant = tenant
                # The whole state, shared (not copied): see the class docstring.
                object.__setattr__(handle, "__dict__", state)
                handles[tenant] = handle
        return handle


def other_tenant(unit_tenant: str, tenant: str) -> StorageError:
    """The refusal of a handle for `tenant` to join a unit of work opened for `unit_tenant`."""
    return StorageError(
        f"a unit of work of tenant {unit_tenant!r} is open here; a handle for tenant {tenant!r}"
        " cannot join it (one transaction belongs to one tenant): run that tenant's work"
        " outside the unit, or open the unit on that tenant's handle"
    )
