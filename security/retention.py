"""Removing old audit records: never anything younger than MINIMUM_DAYS, and
every run (including a refused one) is itself an audit record."""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from . import audit
from .models import AuditEvent

# 等保 2.0 asks that audit records be kept at least six months.
MINIMUM_DAYS = 180


class RetentionError(Exception):
    pass


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
    with transaction.atomic():
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
