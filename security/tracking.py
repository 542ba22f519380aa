"""Before → after audit records of the data admins maintain, from model signals.

`track(model, kind, fields)` registers a model. Before a save the stored row
is read (one query, skipped when `update_fields` touches none of the tracked
fields); after it one AuditEvent lists each changed field as
"label：old → new", with related objects, choices, booleans and dates shown
by name. A new row lists what it was created with, a deleted row is named.
A save that changes none of the tracked fields writes nothing.

`track_members(relation, kind)` does the same for a many-to-many relation
(a role's permissions). When the relation's through model is itself tracked
(a collective unit's members, CollectiveMembership), every row is recorded
as that model's own: saves and deletes (remove() and clear() delete row by
row) by its tracking, and the rows add() inserts in bulk, without post_save,
from here — every change once, in one form.

Whatever path the change takes — Django admin, a page, the shell — it is
recorded once, with the user and address of the current request (see
audit.record). Reports are not tracked here: tasks/workflow.py records each
report change with its meaning (submitted, returned…), and the reports'
queryset updates send no signals anyway.

`untracked()` turns the tracking off for bulk loads that write one summary
record of their own (load_plan).
"""

import contextlib
import contextvars
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from . import audit

_untracked = contextvars.ContextVar("audit_untracked", default=False)

EMPTY = "空"
MAX_VALUE_LENGTH = 200


@dataclass(frozen=True)
class Tracked:
    kind: str
    fields: tuple
    on_create: bool
    on_delete: bool


_registry = {}


@contextlib.contextmanager
def untracked():
    """No per-row records inside the block; explicit audit.record calls still write."""
    token = _untracked.set(True)
    try:
        yield
    finally:
        _untracked.reset(token)


def track(model, kind, *, fields, on_create=True, on_delete=True):
    """Record every change of `fields` of `model` as one `kind` audit record."""
    _registry[model] = Tracked(kind, tuple(fields), on_create, on_delete)
    uid = f"security.tracking.{model._meta.label}"
    pre_save.connect(_remember, sender=model, dispatch_uid=f"{uid}.pre_save")
    post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}.post_save")
    if on_delete:
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}.post_delete")


def track_members(relation, kind, describe=str):
    """Record additions to and removals from a many-to-many relation (the
    field's descriptor), each related row named by `describe`."""
    field = relation.field
    label = str(field.verbose_name)

    def changed(sender, instance, action, reverse, model, pk_set, **kwargs):
        if _untracked.get() or action not in ("post_add", "post_remove", "pre_clear"):
            return
        if sender in _registry:
            # A tracked through model (CollectiveMembership) records its own
            # deletions, which remove() and clear() send row by row; add() is
            # a bulk insert without post_save, so its new rows are recorded
            # here as the through model's tracking would record them.
            if action == "post_add":
                source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
                if reverse:
                    source, target = target, source
                for row in sender._base_manager.filter(**{source: instance, f"{target}__in": pk_set}):
                    _saved(sender, row, created=True)
            return
        if action == "pre_clear":
            # Before the rows go, so the record can name them.
            accessor = field.remote_field.get_accessor_name() if reverse else field.name
            pk_set = set(getattr(instance, accessor).values_list("pk", flat=True))
        if not pk_set:
            return
        verb = "加入" if action == "post_add" else "移出"
        accessor_name = field.name
        others = list(model.objects.filter(pk__in=pk_set))
        if reverse:  # from the other side, e.g. member.collectives.add(…): one record per owner
            for owner in others:
                audit.record(kind, obj=owner, detail=f"{label}{verb}：{describe(instance)}")
        else:
            count = getattr(instance, accessor_name).count()
            before, count = {
                "post_add": (count - len(others), count),
                "post_remove": (count + len(others), count),
                "pre_clear": (count, 0),
            }[action]
            names = "、".join(sorted(map(describe, others)))
            audit.record(kind, obj=instance, detail=f"{label}{verb}：{names}（{label}数：{before} → {count}）")

    m2m_changed.connect(changed, sender=relation.through, weak=False, dispatch_uid=f"security.tracking.{field}")


def _remember(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._tracking_before = None
    tracked = _registry[sender]
    if raw or _untracked.get() or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(tracked.fields):
        return
    instance._tracking_before = sender._base_manager.filter(pk=instance.pk).first()


def _saved(sender, instance, created, raw=False, **kwargs):
    tracked = _registry[sender]
    if raw or _untracked.get():
        return
    if created:
        if tracked.on_create:
            values = [f"{label}：{value}" for label, value in _values(instance, tracked.fields) if value != EMPTY]
            audit.record(tracked.kind, obj=instance, detail="新建。" + "；".join(values))
        return
    before = getattr(instance, "_tracking_before", None)
    instance._tracking_before = None
    if before is None:
        return
    changes = describe_changes(before, instance, tracked.fields)
    if changes:
        audit.record(tracked.kind, obj=instance, detail="；".join(changes))


def _deleted(sender, instance, **kwargs):
    if _untracked.get():
        return
    audit.record(_registry[sender].kind, obj=instance, detail=f"删除：{instance}")


def describe_changes(before, after, fields):
    """["label：old → new"] for the fields whose stored values differ, shown by name."""
    changes = []
    for name in fields:
        field = after._meta.get_field(name)
        if getattr(before, field.attname) != getattr(after, field.attname):
            changes.append(f"{field.verbose_name}：{display(before, field)} → {display(after, field)}")
    return changes


def _values(instance, fields):
    for name in fields:
        field = instance._meta.get_field(name)
        yield field.verbose_name, display(instance, field)


def display(instance, field):
    """A field's value as a person reads it: names of related rows, choice labels, 是/否, dates."""
    value = getattr(instance, field.attname)
    if value is None or value == "":
        return EMPTY
    if field.is_relation:
        value = getattr(instance, field.name)
    elif field.choices:
        value = dict(field.flatchoices).get(value, value)
    elif isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, datetime.datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = format(value.normalize(), "f")  # 1400, not 1400.00 or 1.4E+3
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[:MAX_VALUE_LENGTH] + "…"
