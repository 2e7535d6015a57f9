"""The database schema of the SQLite and PostgreSQL adapters, and the function that migrates it.

The schema ships as versioned SQL files inside this package
(`migrations/sqlite/0001_customers_and_privacy.sql`,
`migrations/postgres/0001_...`). [migrate][clubrules.storage.migrations.migrate]
applies the pending ones in one transaction and records each in a version
table; running it again changes nothing. The command line does the same:

```text
clubrules db migrate --url sqlite:///club.db
clubrules db migrate --url postgresql://clubrules@db.internal/club --json
```
"""

from __future__ import annotations

from clubrules.storage._migrations import (
    DIALECTS,
    Dialect,
    Migration,
    MigrationResult,
    available_migrations,
    latest_version,
    migrate,
    schema_version,
)

__all__ = [
    "DIALECTS",
    "Dialect",
    "Migration",
    "MigrationResult",
    "available_migrations",
    "latest_version",
    "migrate",
    "schema_version",
]
