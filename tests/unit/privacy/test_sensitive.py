"""Each path by which plaintext has leaked in known projects, closed."""

from __future__ import annotations

import copy
import logging
import pickle
import sys
import traceback

import pytest

from clubrules.errors import LeakRefusedError
from clubrules.privacy import Sensitive

SECRET = "青霉素过敏-PENICILLIN"  # noqa: S105 - a stand-in secret


@pytest.fixture
def secret() -> Sensitive[str]:
    return Sensitive(SECRET, label="allergies")


def test_reveal_gives_the_value(secret: Sensitive[str]) -> None:
    assert secret.reveal() == SECRET
    assert secret.label == "allergies"


def test_repr_str_and_format(secret: Sensitive[str]) -> None:
    outputs = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        "{}".format(secret),  # noqa: UP032 - the str.format path on purpose
        "%s %r" % (secret, secret),  # noqa: UP031 - the %-format path on purpose
        repr([secret]),
        repr({"allergies": secret}),
    ]
    for text in outputs:
        assert SECRET not in text
        assert "PENICILLIN" not in text
    assert repr(secret) == "Sensitive[allergies](<redacted>)"
    assert repr(Sensitive(1)) == "Sensitive(<redacted>)"


def test_logging(secret: Sensitive[str], caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("clubrules.test")
    with caplog.at_level(logging.DEBUG):
        logger.info("read %s", secret)
        logger.info("read %r", secret)
        logger.info("read %(v)s", {"v": secret})
        logger.info(f"read {secret}")  # noqa: G004 - the f-string path on purpose
    assert len(caplog.records) == 4
    assert SECRET not in caplog.text


def test_pickling_is_refused(secret: Sensitive[str]) -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(LeakRefusedError) as caught:
            pickle.dumps(secret, protocol=protocol)
        assert SECRET not in str(caught.value)
    with pytest.raises(LeakRefusedError):
        pickle.dumps({"nested": [secret]})
    assert isinstance(LeakRefusedError("x"), TypeError)


def test_exception_messages(secret: Sensitive[str]) -> None:
    with pytest.raises(ValueError, match="redacted") as caught:
        raise ValueError(f"bad allergies value {secret}")
    assert SECRET not in str(caught.value)


def test_tracebacks_with_local_variables(secret: Sensitive[str]) -> None:
    def failing(value: Sensitive[str]) -> None:
        local_copy = value  # noqa: F841 - a local for the traceback to capture
        raise RuntimeError("boom")

    try:
        failing(secret)
    except RuntimeError:
        exc_info = sys.exc_info()
        plain = "".join(traceback.format_exception(*exc_info))
        with_locals = "".join(traceback.TracebackException(*exc_info, capture_locals=True).format())
    assert "local_copy" in with_locals
    assert SECRET not in plain
    assert SECRET not in with_locals


def test_truthiness_length_and_iteration_are_refused(secret: Sensitive[str]) -> None:
    with pytest.raises(LeakRefusedError):
        bool(secret)
    with pytest.raises(LeakRefusedError):
        len(secret)
    with pytest.raises(LeakRefusedError):
        list(secret)


def test_equality_does_not_compare_values() -> None:
    a, b = Sensitive("x"), Sensitive("x")
    assert a == a  # noqa: PLR0124 - identity on purpose
    assert a != b
    assert len({a, b}) == 2


def test_copies_stay_wrapped(secret: Sensitive[str]) -> None:
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"s": secret})["s"] is secret


def test_no_attribute_holds_the_value_under_its_plain_name(secret: Sensitive[str]) -> None:
    assert not hasattr(secret, "value")
    assert not hasattr(secret, "__dict__")
    assert all(
        SECRET not in repr(getattr(secret, name, ""))
        for name in dir(secret)
        if not name.startswith("_Sensitive")
    )


def test_subclassing_is_not_needed_and_vars_fail(secret: Sensitive[str]) -> None:
    with pytest.raises(TypeError):
        vars(secret)
