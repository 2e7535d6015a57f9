"""The clubrules schema, applied by the library's own migrator.

`manage.py migrate` runs this, so one command sets up the app's tables and
the library's. Run it again after upgrading clubrules: a new Django
migration (a copy of this one) applies the library's newer versions, and
the library's migrator skips what is already there.
"""

from django.db import migrations

from clubrules.storage.migrations import migrate


def apply_clubrules_schema(_apps: object, schema_editor: object) -> None:
    """Bring the clubrules schema up to date, in the migration's transaction."""
    connection = schema_editor.connection  # type: ignore[attr-defined]
    connection.ensure_connection()
    migrate(connection.connection)


class Migration(migrations.Migration):
    """Apply the clubrules schema (forward only: reversing leaves it in place)."""

    dependencies = [("salon", "0001_initial")]

    operations = [
        migrations.RunPython(apply_clubrules_schema, migrations.RunPython.noop),
    ]
