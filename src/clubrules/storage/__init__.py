"""Reference storage adapters for the repository ports of every area.

- `clubrules.storage.memory`: in memory, the embedded default and the fake
  for tests.

No domain package imports an adapter: entry points wire them in explicitly.
"""

__all__: list[str] = []
