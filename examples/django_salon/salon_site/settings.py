"""Settings of the salon example.

The database comes from `SALON_DATABASE_URL`, a libpq URL such as
`postgresql://salon:secret@db.internal:5432/salon` or, for a Unix socket,
`postgresql://salon@/salon?host=/run/postgresql`. PostgreSQL through
psycopg 3 is the only database the example supports.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def database_from_url(url: str) -> dict[str, object]:
    """Django's `DATABASES["default"]` for a `postgresql://` URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError("SALON_DATABASE_URL must start with postgresql://")
    query = dict(parse_qsl(parts.query))
    host = query.pop("host", parts.hostname or "")
    port = query.pop("port", str(parts.port or ""))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": port,
        "OPTIONS": query,  # any other libpq parameter, such as sslmode
    }


SECRET_KEY = os.environ.get("SALON_SECRET_KEY", "an-example-key-not-for-production")
DEBUG = os.environ.get("SALON_DEBUG", "") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = ["salon"]
# A JSON API for the example: a site with forms keeps Django's CSRF middleware.
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "salon_site.urls"

DATABASES = {
    "default": database_from_url(
        os.environ.get("SALON_DATABASE_URL", "postgresql://salon@localhost/salon")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
