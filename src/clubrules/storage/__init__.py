"""Reference storage adapters for the repository ports of every area.

- `clubrules.storage.memory`: in memory, the embedded default and the fake
  for tests.
- `clubrules.storage.sqlite`: SQLite through the standard library, for a
  single shop on one machine.
- `clubrules.storage.postgres`: PostgreSQL through psycopg 3 (the `postgres`
  extra), for clubs and chains whose app servers share one database.
- `clubrules.storage.migrations`: the versioned SQL schema of both, and
  `migrate`, which `clubrules db migrate` runs.

No domain package imports an adapter: entry points wire them in explicitly.
"""

__all__: list[str] = []
