"""The audit trail is protected in the database too (PostgreSQL trigger); old
records leave only through the audited retention command, never younger than
180 days; accounts are deactivated, never deleted; django-axes rows are
read-only in admin, so unlocking leaves a trace."""

import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from security import audit, retention
from security.models import AuditEvent
from security.signals import AccountDeletionRefused
from tests.conftest import make_user

from .helpers import WRONG_PASSWORD, log_in

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


def old_record(days):
    return AuditEvent.objects.create(
        kind=audit.Kind.LOGIN, username="old", at=timezone.now() - datetime.timedelta(days=days)
    )


@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE security_auditevent SET detail = 'forged'",
        "DELETE FROM security_auditevent",
        "UPDATE security_auditevent SET at = now() - interval '1000 days'",
    ],
)
def test_database_refuses_to_change_or_delete_audit_rows(plan, sql):
    event = audit.record(audit.Kind.LOGIN, username="zhangsan")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)

    event_after = AuditEvent.objects.get(pk=event.pk)
    assert (event_after.detail, event_after.at) == (event.detail, event.at)


@postgres_only
def test_database_refuses_to_delete_a_young_row_even_when_marked_for_retention(plan):
    young = old_record(179)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jiading.audit_retention = 'on'")
        cursor.execute("DELETE FROM security_auditevent WHERE id = %s", [young.pk])

    assert AuditEvent.objects.filter(pk=young.pk).exists()


def purge(*args):
    out = io.StringIO()
    call_command("purge_audit", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("days", ["0", "30", "179"])
def test_retention_command_refuses_less_than_180_days_and_records_the_refusal(plan, days):
    old_record(400)

    with pytest.raises(CommandError, match="审计日志至少保留 180 天"):
        purge("--older-than-days", days, "--yes")

    assert AuditEvent.objects.filter(username="old").count() == 1
    refusal = AuditEvent.objects.get(kind=audit.Kind.AUDIT_PURGED)
    assert refusal.result == "denied" and refusal.username == "命令行"


def test_retention_command_removes_only_older_records_and_records_itself(plan):
    keep = [old_record(10), old_record(181)]
    gone = [old_record(400), old_record(200)]

    assert "将删除" in purge("--older-than-days", "190")
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in gone]).count() == 2  # without --yes nothing goes

    assert "已删除" in purge("--older-than-days", "190", "--yes")

    assert set(AuditEvent.objects.filter(username="old").values_list("pk", flat=True)) == {e.pk for e in keep}
    record = AuditEvent.objects.get(kind=audit.Kind.AUDIT_PURGED)
    assert record.result == "success" and "审计日志 2 条" in record.detail


def test_an_account_cannot_be_deleted_through_the_orm(plan):
    user = make_user("temp")

    with pytest.raises(AccountDeletionRefused), transaction.atomic():
        user.delete()
    with pytest.raises(AccountDeletionRefused), transaction.atomic():
        User.objects.filter(pk=user.pk).delete()

    assert User.objects.filter(pk=user.pk).exists()


def test_admin_offers_no_account_deletion_and_records_the_attempt(plan, client, superuser):
    user = make_user("temp")
    client.force_login(superuser)

    assert client.get(reverse("admin:auth_user_delete", args=[user.pk])).status_code == 403
    denied = AuditEvent.objects.get(kind=audit.Kind.PERMISSION_DENIED)
    assert f"/admin/auth/user/{user.pk}/delete/" in denied.detail and denied.username == "admin"
    response = client.post(
        reverse("admin:auth_user_changelist"), {"action": "delete_selected", "_selected_action": [user.pk]}
    )
    assert User.objects.filter(pk=user.pk).exists()
    assert "delete_selected" not in client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert response.status_code in (200, 302)


def test_lockout_rows_are_read_only_in_admin(plan, client, superuser, lead_staff):
    for _ in range(5):
        log_in(client, "kewei", WRONG_PASSWORD, ip="10.8.8.8")
    attempt = AccessAttempt.objects.get(username="kewei")
    client.force_login(superuser)

    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    assert client.get(reverse("admin:axes_accessattempt_delete", args=[attempt.pk])).status_code == 403
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    client.post(reverse("admin:axes_accessattempt_change", args=[attempt.pk]), {"failures_since_start": 0})

    attempt.refresh_from_db()
    assert attempt.failures_since_start == 5


# SQLite: triggers too, answered by a function only this application registers

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite triggers")


@pytest.fixture
def locked():
    with retention.unlocked(retention.LOCKED):
        yield


@sqlite_only
def test_the_sqlite_triggers_exist_after_migrate(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'security_auditevent'")
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"security_auditevent_no_update", "security_auditevent_no_delete"}


@sqlite_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE security_auditevent SET detail = 'forged'",
        "DELETE FROM security_auditevent",
        "UPDATE security_auditevent SET at = '2000-01-01 00:00:00'",
    ],
)
def test_sqlite_refuses_to_change_or_delete_audit_rows(plan, locked, sql):
    event = audit.record(audit.Kind.LOGIN, username="zhangsan")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)

    event_after = AuditEvent.objects.get(pk=event.pk)
    assert (event_after.detail, event_after.at) == (event.detail, event.at)


@sqlite_only
def test_sqlite_lets_the_retention_delete_old_rows_only(plan, locked):
    young, old = old_record(179), old_record(400)

    with retention.unlocked(retention.RETENTION):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM security_auditevent WHERE id = %s", [young.pk])
        purge("--older-than-days", "180", "--yes")

    assert AuditEvent.objects.filter(pk=young.pk).exists()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


@sqlite_only
def test_a_client_without_the_applications_function_cannot_delete(plan):
    """The sqlite3 shell on the database file has no jiading_audit_unlock(): no change.
    Simulated on the test's own connection by putting a function that fails in its place
    (a client without it gets "no such function")."""
    audit.record(audit.Kind.LOGIN, username="zhangsan")

    def missing():
        raise RuntimeError("no such function: jiading_audit_unlock")

    connection.connection.create_function("jiading_audit_unlock", 0, missing)
    try:
        with pytest.raises(DatabaseError, match="function"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM security_auditevent")
    finally:
        retention.register_sqlite_function(None, connection)
    assert AuditEvent.objects.filter(username="zhangsan").exists()


# PostgreSQL: the table and its trigger belong to a role the application does not run as


@postgres_only
def test_the_applications_role_can_neither_disable_the_trigger_nor_empty_the_table(plan):
    out = io.StringIO()
    call_command("audit_grants", "--app-role", "jiading_app_test", "--owner", "jiading_audit_test", stdout=out)
    script = out.getvalue().replace("BEGIN;", "").replace("COMMIT;", "")
    event = audit.record(audit.Kind.LOGIN, username="zhangsan")
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE jiading_app_test NOLOGIN")  # rolled back with the test
        cursor.execute(script)

    def as_app(sql, params=None):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE jiading_app_test")
            cursor.execute(sql, params)

    as_app(
        "INSERT INTO security_auditevent (at, kind, result, username, actor_role, object_type, object_id,"
        " object_repr, detail) VALUES (now(), 'login', 'success', 'lisi', '', '', '', '', '')"
    )
    for sql in [
        "ALTER TABLE security_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER security_auditevent_append_only ON security_auditevent",
        "TRUNCATE security_auditevent",
        "UPDATE security_auditevent SET detail = 'forged'",
        "DELETE FROM security_auditevent",
        "DROP TABLE security_auditevent",
        "CREATE OR REPLACE FUNCTION security_auditevent_append_only() RETURNS trigger AS $$ BEGIN RETURN OLD; END $$ LANGUAGE plpgsql",
    ]:
        with pytest.raises(DatabaseError):
            as_app(sql)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert AuditEvent.objects.filter(username="lisi").exists()
