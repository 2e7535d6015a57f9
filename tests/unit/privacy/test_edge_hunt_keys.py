"""Edge hunt, keys: bad input to the key providers, the ciphers and the vault is refused typed.

Found by hammering the public surface: an `EnvKeyProvider` or a
`FileKeyProvider` given a name the system cannot use raised TypeError,
AttributeError, ValueError or UnicodeEncodeError; the providers wrote
keyrings that every reader refuses (no key, a key id twice, no primary);
`FieldCipher`, `CustomerKeys` and `PrivacyVault` took any object and failed
with AttributeError at the first use; and a phone blind index took "+" and
any Unicode digits as E.164, so a number spelt in full-width digits got
another index value than the same number in ASCII, and "+0" was indexed.

The last test holds independent keyrings on one file (as processes share a
key file) to the promises of the rotation guide, against a model of what
was sealed (tests/integration/test_edge_hunt_keys_processes.py runs real
processes).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.errors import DecryptionError, InvalidPhoneNumberError, KeyringError, ValidationError
from clubrules.privacy import (
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    BlindIndex,
    CustomerKeys,
    EnvKeyProvider,
    FieldCipher,
    FileKeyProvider,
    IndexKind,
    Keyring,
    KeyStatus,
    KeyVersion,
    PrivacyVault,
    RolePolicy,
    sealed_key_id,
)
from clubrules.storage.memory import InMemoryAccessLog, InMemoryConsentStore, InMemoryDataKeyStore
from clubrules.testing import ManualClock
from tests.unit.privacy._async_stores import AsyncConsents, AsyncDataKeys, AsyncLog

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from clubrules.customers import Sealed

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}
MATERIALS = [bytes([n]) * 32 for n in range(3)]
WRONG = [None, 5, 1.5, b"bytes", ["list"], object()]


def _no_material(text: str, keys: list[KeyVersion]) -> None:
    for key in keys:
        assert key.material.hex() not in text
        assert repr(key.material) not in text


# --- key providers: names the system cannot use -----------------------------------


@settings(max_examples=60)
@given(
    before=st.text(max_size=8).filter(lambda t: "\0" not in t),
    bad=st.sampled_from(["\0", "\ud800", "\udfff"]),
)
def test_a_keyring_path_the_system_cannot_name_is_refused_when_the_provider_is_made(
    before: str, bad: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        FileKeyProvider(f"/tmp/keys-{before}{bad}.json")  # noqa: S108 - never created
    assert caught.value.field == "path"
    assert caught.value.rule == "invalid_path"


def test_a_path_with_an_escaped_undecodable_byte_still_works(tmp_path: Path) -> None:
    # What os.fsdecode makes of a non-UTF-8 byte on POSIX: a name the system can use.
    provider = FileKeyProvider(tmp_path / "keys-\udcff.json")
    provider.save_keys([KeyVersion.generate(1)])
    assert [k.key_id for k in provider.load_keys()] == [1]


@pytest.mark.parametrize("variable", WRONG, ids=repr)
def test_an_env_provider_needs_a_variable_name(variable: object) -> None:
    with pytest.raises(ValidationError) as caught:
        EnvKeyProvider(variable)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("variable", "wrong_type")


@pytest.mark.parametrize("environ", [5, "KEYS=x", [("KEYS", "x")], object()], ids=repr)
def test_an_env_provider_needs_a_mapping_for_its_environment(environ: object) -> None:
    with pytest.raises(ValidationError) as caught:
        EnvKeyProvider("KEYS", environ)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("environ", "wrong_type")


@pytest.mark.parametrize("value", [5, b"{}", ["keys"], {"format": "clubrules-keyring"}], ids=repr)
def test_a_variable_that_holds_no_text_is_a_keyring_error(value: object) -> None:
    with pytest.raises(KeyringError, match="not the keyring's text") as caught:
        EnvKeyProvider("KEYS", {"KEYS": value}).load_keys()  # type: ignore[dict-item]
    assert caught.value.__context__ is None


def test_a_variable_name_with_a_nul_is_not_set() -> None:
    with pytest.raises(KeyringError, match="is not set"):
        EnvKeyProvider("KEYS\0X").load_keys()


# --- key providers: a writer writes only what a reader takes -----------------------

_VERSIONS = st.lists(
    st.builds(
        KeyVersion,
        key_id=st.integers(1, 3),
        material=st.sampled_from(MATERIALS),
        status=st.sampled_from(list(KeyStatus)),
        uses=st.integers(0, 5),
    ),
    max_size=4,
)


def _keyring_of(keys: list[KeyVersion]) -> Keyring | None:
    """The oracle: the keyring these keys make, or None if `Keyring` refuses them."""
    try:
        return Keyring(keys)
    except KeyringError:
        return None


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=_VERSIONS)
def test_a_provider_writes_exactly_the_key_sets_a_keyring_accepts(
    tmp_path: Path, keys: list[KeyVersion]
) -> None:
    path = tmp_path / "keys.json"
    path.unlink(missing_ok=True)
    old = [KeyVersion(9, bytes([9]) * 32, KeyStatus.PRIMARY)]
    FileKeyProvider(path).save_keys(old)
    before = path.read_bytes()
    expected = _keyring_of(keys)

    def save() -> None:
        FileKeyProvider(path).save_keys(keys)

    def update() -> None:
        FileKeyProvider(path).update_keys(lambda _current: keys)

    writers: dict[str, Callable[[], None]] = {"save_keys": save, "update_keys": update}
    for name, write in writers.items():
        if expected is None:
            with pytest.raises(KeyringError, match="nothing was written") as caught:
                write()
            assert path.read_bytes() == before, name
            _no_material(str(caught.value), keys)
            with pytest.raises(KeyringError):
                EnvKeyProvider.render(keys)
        else:
            write()
            loaded = FileKeyProvider(path).load_keys()
            assert loaded == keys, name
            assert Keyring(loaded).primary_id == expected.primary_id
            rendered = EnvKeyProvider("K", {"K": EnvKeyProvider.render(keys)}).load_keys()
            assert rendered == keys
            FileKeyProvider(path).save_keys(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json"]


def test_update_keys_on_a_missing_file_writes_nothing_if_the_change_keeps_no_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys.json"
    with pytest.raises(KeyringError, match="at least one key"):
        FileKeyProvider(path).update_keys(list)
    assert not path.exists()


# --- ciphers and vaults: the wrong object is refused when they are made ------------


@pytest.mark.parametrize("keyring", [*WRONG, MATERIALS[0], [KeyVersion.generate(1)]], ids=repr)
def test_a_field_cipher_needs_a_keyring(keyring: object) -> None:
    with pytest.raises(ValidationError) as caught:
        FieldCipher(keyring)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("keyring", "wrong_type")


_KEYS_CASES: list[tuple[str, dict[str, Any]]] = [
    *[("kek", {"kek": bad}) for bad in WRONG],
    *[("store", {"store": bad}) for bad in WRONG],
    *[("timer", {"timer": bad}) for bad in [None, 5, "monotonic"]],
]


@pytest.mark.parametrize(("field", "override"), _KEYS_CASES, ids=repr)
def test_customer_keys_refuse_the_wrong_kek_store_or_timer(
    field: str, override: dict[str, Any]
) -> None:
    for cls, store in (
        (CustomerKeys, InMemoryDataKeyStore()),
        (AsyncCustomerKeys, AsyncDataKeys()),
    ):
        options: dict[str, Any] = {"kek": Keyring.generate(), "store": store, "timer": lambda: 0.0}
        options.update(override)
        with pytest.raises(ValidationError) as caught:
            cls(**options)
        assert (caught.value.field, caught.value.rule) == (field, "wrong_type"), cls


def _vault_options(asynchronous: bool) -> dict[str, Any]:
    keys: object = (
        AsyncCustomerKeys(Keyring.generate(), AsyncDataKeys())
        if asynchronous
        else CustomerKeys(Keyring.generate(), InMemoryDataKeyStore())
    )
    return {
        "keys": keys,
        "policy": RolePolicy.salon_default(),
        "consents": AsyncConsents() if asynchronous else InMemoryConsentStore(),
        "log": AsyncLog() if asynchronous else InMemoryAccessLog(),
        "clock": ManualClock(datetime(2026, 3, 1, tzinfo=UTC)),
        "record_type": "customer",
    }


@pytest.mark.parametrize("field", ["keys", "policy", "consents", "log", "clock", "record_type"])
@pytest.mark.parametrize("bad", [None, 5, object()], ids=repr)
def test_a_vault_refuses_the_wrong_object_for_each_argument(field: str, bad: object) -> None:
    for cls, asynchronous in ((PrivacyVault, False), (AsyncPrivacyVault, True)):
        options = _vault_options(asynchronous)
        options[field] = bad
        with pytest.raises(ValidationError) as caught:
            cls(**options)
        assert caught.value.field == field, cls


def test_a_vault_built_right_still_seals_and_opens() -> None:
    vault = PrivacyVault(**_vault_options(asynchronous=False))
    assert vault.seal("c-1", "allergies", "pollen") is not None

    async def run() -> None:
        async_vault = AsyncPrivacyVault(**_vault_options(asynchronous=True))
        assert await async_vault.seal("c-1", "allergies", "pollen") is not None

    asyncio.run(run())


# --- phone blind index: one index value per number, whatever its spelling ---------

_PHONES = BlindIndex(bytes(range(32)), field="phone", kind=IndexKind.PHONE, bits=32)
# Each ASCII digit and "+" to its full-width form (U+FF10 to U+FF19, U+FF0B).
_FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789+"}


def _oracle(text: str) -> str | None:
    """The slow, obvious normal form: what phonenumbers makes of the text, if valid."""
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=150)
@given(
    prefix=st.sampled_from(["130", "138", "139", "186", "199"]),
    rest=st.integers(0, 10**8 - 1),
    spelling=st.sampled_from(["e164", "full_width", "full_width_plus", "national"]),
)
def test_every_spelling_of_a_valid_number_gets_the_index_value_of_its_e164(
    prefix: str, rest: int, spelling: str
) -> None:
    e164 = f"+86{prefix}{rest:08d}"
    text = {
        "e164": e164,
        "full_width": "+" + e164[1:].translate(_FULL_WIDTH),
        "full_width_plus": e164.translate(_FULL_WIDTH),
        "national": f"{prefix} {rest:08d}",
    }[spelling]
    assert _PHONES.normalise(text) == e164
    assert _PHONES.of(text) == _PHONES.of_normalised(e164)


@settings(max_examples=300)
@given(digits=st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=16))
def test_plus_and_digits_is_indexed_only_as_the_valid_number_it_spells(digits: str) -> None:
    text = "+" + digits
    expected = _oracle(text)
    if expected is None:
        with pytest.raises(InvalidPhoneNumberError) as caught:
            _PHONES.normalise(text)
        assert digits not in str(caught.value)
    else:
        assert _PHONES.normalise(text) == expected
        assert expected.isascii()


@pytest.mark.parametrize("e164", [None, 8613812345678, b"+8613812345678"], ids=repr)
def test_a_parsed_number_whose_e164_is_not_text_is_refused(e164: object) -> None:
    class Parsed:
        pass

    parsed = Parsed()
    parsed.e164 = e164  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as caught:
        _PHONES.of(parsed)  # type: ignore[arg-type]
    assert caught.value.rule == "not_text"


# --- keyrings sharing one file, as processes do --------------------------------------

_STEP = st.tuples(
    st.sampled_from(["seal", "save", "refresh", "rotate", "retire", "restart"]),
    st.integers(0, 2),
    st.integers(1, 4),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(_STEP, max_size=25))
def test_keyrings_sharing_a_file_count_every_seal_and_refuse_a_retired_key(
    tmp_path: Path, steps: list[tuple[str, int, int]]
) -> None:
    """Rotations as the guide says (refresh, rotate, save at once), any order of the rest.

    The model: every value sealed, under which key. After the last saves,
    each key's stored count is at least the values sealed under it; once a
    retirement is saved, every keyring that refreshes refuses the key's
    values; and a keyring built from the file opens every value whose key
    is not retired.
    """
    path = tmp_path / "keys.json"
    for stale in tmp_path.iterdir():
        stale.unlink()
    provider = FileKeyProvider(path)
    Keyring.generate().save(provider)
    rings = [Keyring.from_provider(provider) for _ in range(3)]
    sealed: list[Sealed] = []
    retired: set[int] = set()
    for action, who, n in steps:
        ring = rings[who]
        if action == "seal":
            cipher = FieldCipher(ring)
            sealed += [cipher.seal(f"v{len(sealed) + i}", **PLACE) for i in range(n)]
        elif action == "save":
            ring.save(provider)
        elif action == "refresh":
            ring.refresh(provider)
        elif action == "rotate":
            ring.refresh(provider)
            ring.rotate()
            ring.save(provider)
        elif action == "restart":  # a graceful restart: save, then load again
            ring.save(provider)
            rings[who] = Keyring.from_provider(provider)
        else:
            ring.refresh(provider)
            try:
                ring.retire(n)
            except KeyringError:
                continue  # unknown, or the primary
            ring.save(provider)
            retired.add(n)
            for other in rings:
                other.refresh(provider)
                assert other.status(n) is KeyStatus.RETIRED
                for value in sealed:
                    if sealed_key_id(value) == n:
                        with pytest.raises(DecryptionError):
                            FieldCipher(other).open(value, **PLACE)
    for ring in rings:
        ring.save(provider)
    stored = {k.key_id: k for k in provider.load_keys()}
    counted: dict[int, int] = {}
    for value in sealed:
        counted[sealed_key_id(value)] = counted.get(sealed_key_id(value), 0) + 1
    for key_id, count in counted.items():
        assert stored[key_id].uses >= count
    fresh = FieldCipher(Keyring.from_provider(provider))
    for number, value in enumerate(sealed):
        if sealed_key_id(value) not in retired:
            assert fresh.open(value, **PLACE) == f"v{number}"
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]
