"""What the SQL adapters keep per tenant stays bounded, however many tenants a process serves."""

from __future__ import annotations

from clubrules.storage.sql._dialect import SQLITE, _with_tenant
from clubrules.storage.sqlite._booking import _TENANTS_KEPT, _statements


def test_rendered_sql_is_kept_for_a_bounded_number_of_tenants() -> None:
    # Each tenant's SQLite statements are rendered again when it comes back after many
    # others, rather than every tenant's being kept forever.
    first = SQLITE.for_tenant("club-0")
    for n in range(1, _TENANTS_KEPT + 50):
        SQLITE.for_tenant(f"club-{n}")
        _statements(f"'club-{n}'")
    assert _with_tenant.cache_info().currsize <= _TENANTS_KEPT
    assert _statements.cache_info().currsize <= _TENANTS_KEPT
    again = SQLITE.for_tenant("club-0")
    assert again == first
    assert again.tenant == "'club-0'"
