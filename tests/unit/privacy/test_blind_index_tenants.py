"""A blind index bound to a tenant: one value, unrelated index values in two clubs."""

from __future__ import annotations

import hmac
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import ValidationError
from clubrules.privacy import BlindIndex, IndexKind

KEY = b"k" * 32
_tenants = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}", fullmatch=True)


def _oracle(key: bytes, field: str, tenant: str | None, value: str, bits: int) -> int:
    """The index value written out from its definition."""
    u32 = struct.Struct(">I").pack
    f = field.encode()
    if tenant is None or tenant == "default":
        prefix = b"clubrules.blind_index.v1" + u32(len(f)) + f
    else:
        t = tenant.encode()
        prefix = b"clubrules.blind_index.v1.tenant" + u32(len(t)) + t + u32(len(f)) + f
    digest = hmac.digest(key, prefix + value.encode(), "sha256")
    return int.from_bytes(digest) >> (256 - bits)


@given(_tenants, st.text(max_size=20))
def test_the_index_value_is_the_hmac_of_the_tenant_field_and_value(tenant: str, value: str) -> None:
    index = BlindIndex(KEY, field="email", kind=IndexKind.EMAIL, bits=64, tenant=tenant)
    normalised = index.normalise(value)
    assert index.of(value) == _oracle(KEY, "email", tenant, normalised, 64)


@given(st.lists(_tenants, min_size=2, max_size=2, unique=True))
def test_one_phone_number_indexes_differently_in_two_clubs(tenants: list[str]) -> None:
    a, b = (
        BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=64, tenant=t) for t in tenants
    )
    assert a.of("+8613812345678") != b.of("+8613812345678")


def test_the_default_tenant_keeps_the_index_values_of_an_index_without_one() -> None:
    plain = BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=24)
    default = BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=24, tenant="default")
    assert plain.of("138 1234 5678") == default.of("138 1234 5678")
    assert (plain.tenant, default.tenant) == ("default", "default")
    assert "tenant" not in repr(default)
    club = BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=24, tenant="club-a")
    assert repr(club).endswith("tenant='club-a')")


@pytest.mark.parametrize("tenant", ["", "a b", "club'a", 7, "x" * 64])
def test_a_bad_tenant_is_refused(tenant: object) -> None:
    with pytest.raises(ValidationError) as raised:
        BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=24, tenant=tenant)  # type: ignore[arg-type]
    assert raised.value.field == "tenant"
