"""On PostgreSQL the database itself refuses to change or delete audit rows.

A trigger raises on every UPDATE of security_auditevent, and on every DELETE
except of rows older than 180 days inside a transaction that the retention
command (purge_audit) marks with `SET LOCAL jiading.audit_retention = 'on'`.
TRUNCATE stays possible: `restore` and Django's flush use it to replace the
whole database, which is an operator's act on the command line, not the app's.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION security_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('jiading.audit_retention', true) = 'on'
       AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'security_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS security_auditevent_append_only ON security_auditevent;
CREATE TRIGGER security_auditevent_append_only
    BEFORE UPDATE OR DELETE ON security_auditevent
    FOR EACH ROW EXECUTE FUNCTION security_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS security_auditevent_append_only ON security_auditevent;
DROP FUNCTION IF EXISTS security_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("security", "0004_password_history_two_factor_audit_kinds")]

    operations = [migrations.RunPython(forwards, backwards)]
