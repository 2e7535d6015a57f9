"""The async PostgreSQL database and adapters on psycopg's `AsyncConnection` (private)."""
