"""Removing old audit records: never anything younger than MINIMUM_DAYS, and
every run (including a refused one) is itself an audit record.

The database refuses the rest itself. PostgreSQL: a trigger (migration
security/0005) refuses every UPDATE and every DELETE but the retention's of
rows older than 180 days; the table and the trigger belong to a role the
application does not run as (`manage.py audit_grants`, README), so the
application's role can neither disable the trigger nor truncate the table.
SQLite: triggers (migration security/0010) do the same, asking the function
`jiading_audit_unlock()` that only this application registers on its
connections: 0 (locked), RETENTION (purge: rows older than 180 days) or
REPLACE (the operator's restore, and the test suite's flush, which on
PostgreSQL are a TRUNCATE). Any other client of the file (the sqlite3 shell)
lacks the function, so its UPDATE or DELETE fails.
"""

import contextlib
import contextvars
import datetime

from django.db import connection, transaction
from django.utils import timezone

from . import audit
from .models import AuditEvent

# 等保 2.0 asks that audit records be kept at least six months.
MINIMUM_DAYS = 180


LOCKED, RETENTION, REPLACE = 0, 1, 2
_unlock = contextvars.ContextVar("audit_unlock", default=LOCKED)


class RetentionError(Exception):
    pass


@contextlib.contextmanager
def unlocked(level):
    """What the SQLite triggers let through inside the block (RETENTION or REPLACE)."""
    token = _unlock.set(level)
    try:
        yield
    finally:
        _unlock.reset(token)


def register_sqlite_function(sender, connection, **kwargs):
    """connection_created: the SQLite triggers' question, answered on this application's connections only."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("jiading_audit_unlock", 0, _unlock.get)


def purge(older_than_days, *, dry_run=False):
    """Delete audit records older than `older_than_days` days; returns (count, cutoff).

    Refuses fewer than MINIMUM_DAYS days. On PostgreSQL the delete runs in a
    transaction marked for the database trigger, which still refuses any row
    younger than 180 days."""
    if older_than_days < MINIMUM_DAYS:
        audit.record(
            audit.Kind.AUDIT_PURGED,
            result=audit.Result.DENIED,
            detail=f"拒绝删除 {older_than_days} 天内的审计日志：至少保留 {MINIMUM_DAYS} 天",
        )
        raise RetentionError(f"审计日志至少保留 {MINIMUM_DAYS} 天，拒绝删除 {older_than_days} 天以内的记录。")
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    old = AuditEvent.objects.filter(at__lt=cutoff)
    if dry_run:
        return old.count(), cutoff
    with transaction.atomic(), unlocked(RETENTION):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jiading.audit_retention = 'on'")
        # The queryset's delete() refuses on purpose; this is the one sanctioned path.
        count = old._raw_delete(old.db)
    audit.record(
        audit.Kind.AUDIT_PURGED,
        detail=f"删除 {cutoff:%Y-%m-%d %H:%M} 之前的审计日志 {count} 条（保留 {older_than_days} 天）",
    )
    return count, cutoff
