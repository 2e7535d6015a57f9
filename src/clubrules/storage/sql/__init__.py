"""What the SQLite and PostgreSQL adapters share: the dialect, the codecs and the method bodies.

Private to `clubrules.storage`: `clubrules.storage.sqlite` and
`clubrules.storage.postgres` build on it and never import each other.
Nothing here is public API.
"""

__all__: list[str] = []
