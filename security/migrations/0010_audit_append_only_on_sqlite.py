"""On SQLite too the database refuses to change or delete audit rows.

Triggers refuse every UPDATE of security_auditevent, and every DELETE unless
the connection's `jiading_audit_unlock()` (registered by this application
only, security/retention.py) says RETENTION for a row older than 180 days
(purge_audit) or REPLACE (restore, and the test suite's flush, which are a
TRUNCATE on PostgreSQL). A client without the function (the sqlite3 shell)
gets an error instead of a change. A later migration that rebuilds this
table on SQLite must create these triggers again (tests/security/test_audit_protection.py
checks that they exist after migrate).
"""

from django.db import migrations

CREATE = [
    """
    CREATE TRIGGER IF NOT EXISTS security_auditevent_no_update
    BEFORE UPDATE ON security_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'security_auditevent is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS security_auditevent_no_delete
    BEFORE DELETE ON security_auditevent
    WHEN jiading_audit_unlock() < 2
         AND NOT (jiading_audit_unlock() = 1 AND OLD.at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-180 days'))
    BEGIN
        SELECT RAISE(ABORT, 'security_auditevent is append-only: DELETE refused');
    END
    """,
]

DROP = [
    "DROP TRIGGER IF EXISTS security_auditevent_no_update",
    "DROP TRIGGER IF EXISTS security_auditevent_no_delete",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("security", "0009_two_person_key_resets_and_actor_role")]

    operations = [migrations.RunPython(forwards, backwards)]
