"""The app's settings, read from the environment once, at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping  # noqa: TC003 - resolved at runtime by attrs
from typing import Literal

import attrs

from clubrules.errors import ValidationError

__all__ = ["MODES", "Mode", "Settings"]

Mode = Literal["async", "threads"]
MODES: tuple[Mode, ...] = ("async", "threads")


@attrs.frozen
class Settings:
    """Where the salon's database is and how to reach it.

    Attributes:
        database_url: A libpq URL (`SALON_DATABASE_URL`, required).
        schema: The schema of the clubrules tables (`SALON_DATABASE_SCHEMA`,
            default `clubrules`).
        pool_size: Pooled connections (`SALON_POOL_SIZE`, default 10).
        pool_check: Check each pooled connection before lending it
            (`SALON_POOL_CHECK`, `1` by default, `0` to skip): one round
            trip per request buys no 503 after the database restarts. Without
            it, a request on a connection the server dropped while idle gets
            a 503 with `Retry-After`, and its retry gets a fresh connection.
        keyring_variable: The variable holding the keyring JSON that wraps
            the customers' data keys (`SALON_KEYRING_VARIABLE`, default
            `SALON_KEYRING`); see `clubrules.privacy.EnvKeyProvider`.
        environ: The environment the keyring is read from.
    """

    database_url: str = attrs.field(repr=False)
    schema: str = "clubrules"
    pool_size: int = 10
    pool_check: bool = True
    keyring_variable: str = "SALON_KEYRING"
    environ: Mapping[str, str] = attrs.field(factory=lambda: os.environ, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from `environ` (`os.environ` by default).

        Raises:
            ValidationError: `SALON_DATABASE_URL` is missing, the pool size
                is not a positive integer, or `SALON_POOL_CHECK` is not 0 or 1.
        """
        env = os.environ if environ is None else environ
        url = env.get("SALON_DATABASE_URL", "").strip()
        if not url:
            raise ValidationError("is required", field="SALON_DATABASE_URL", rule="missing_setting")
        size_text = env.get("SALON_POOL_SIZE", "10").strip()
        if not size_text.isdigit() or int(size_text) < 1:
            raise ValidationError(
                "must be a positive integer", field="SALON_POOL_SIZE", rule="not_positive"
            )
        check_text = env.get("SALON_POOL_CHECK", "1").strip()
        if check_text not in {"0", "1"}:
            raise ValidationError("must be 0 or 1", field="SALON_POOL_CHECK", rule="not_a_flag")
        return cls(
            database_url=url,
            schema=env.get("SALON_DATABASE_SCHEMA", "clubrules").strip() or "clubrules",
            pool_size=int(size_text),
            pool_check=check_text == "1",
            keyring_variable=env.get("SALON_KEYRING_VARIABLE", "SALON_KEYRING"),
            environ=env,
        )
