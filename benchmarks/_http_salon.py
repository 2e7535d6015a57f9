"""uvicorn factories of the example service in each storage mode, for the http suite."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salon_api.app import create_app
from salon_api.config import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_async_app() -> FastAPI:
    """The example service on the async PostgreSQL adapters."""
    return create_app(Settings.from_env(), mode="async")


def create_threads_app() -> FastAPI:
    """The example service on the sync PostgreSQL adapters, called in a thread pool."""
    return create_app(Settings.from_env(), mode="threads")
