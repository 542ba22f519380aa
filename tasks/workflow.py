"""Report state changes, version checks and the timeline.

Every change goes through this module: it checks that the report may change,
refuses a save based on a stale version (two people editing one report: the
later save loses, nothing is overwritten), writes the report and appends a
ReportEvent saying who did what, when, and which fields changed.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from security import audit

from . import periods
from .models import Evidence, Report, ReportEvent

REPORT_FIELDS = ["status", "percent", "progress", "problems", "next_steps"]


class WorkflowError(Exception):
    """A refused change; str() is the Chinese message for the user."""


class Conflict(WorkflowError):
    pass


class NotAllowed(WorkflowError):
    pass


CONFLICT_MESSAGE = (
    "保存失败：在您编辑期间，他人已修改了这份填报。您的内容没有覆盖对方的修改，请查看最新内容后重新填写。"
)


def edit_block_reason(report, period, today=None):
    """Why the unit cannot change this report now, or None if it can: the
    period is closed or, given the day of a user's request, does not take
    reports that day (tasks/periods.py); or the report is approved.

    Pages and the 台账 import pass `today`; commands and fixtures that write
    history on purpose (seed data, restores) pass nothing and are held only
    to closed periods."""
    if today is not None:
        reason = periods.write_block_reason(period, today)
        if reason:
            return reason
    elif period.is_closed:
        return "本填报周期已关闭，不能再填报或修改。"
    if report is not None and report.state == Report.State.APPROVED:
        return "该填报已审核通过，不能修改；如需修改，请联系协调人重新打开。"
    return None


def _field_changes(before, after):
    """{field: [old, new]} for the fields that changed; a new report lists its non-empty fields."""
    return {
        name: [before.get(name), after[name]]
        for name in REPORT_FIELDS
        if before.get(name) != after[name] and (before or after[name] not in ("", None))
    }


def save_report(obligation, period, data, user, *, submit, version, imported=False, evidence=(), today=None):
    """Create or update the obligation's report for `period` as a draft or a submission.

    `version` is the version the user's form was based on (0 for a new report);
    `imported` marks a change that came from an uploaded 台账; `evidence` are
    uploaded files (already checked by the form) to keep with the report;
    `today`, the day of a user's request, holds the write to the period rule
    (see edit_block_reason).
    Raises NotAllowed or Conflict, and then keeps nothing; returns the saved Report.
    """
    now = timezone.now()
    # PostgreSQL cannot store NUL characters; forms refuse them, imports and
    # other callers get them dropped.
    values = {
        name: data[name].replace("\x00", "") if isinstance(data[name], str) else data[name] for name in REPORT_FIELDS
    }
    state = Report.State.SUBMITTED if submit else Report.State.DRAFT
    with transaction.atomic():
        existing = Report.objects.filter(measure=obligation.measure, unit=obligation.unit, period=period).first()
        reason = edit_block_reason(existing, period, today)
        if reason:
            raise NotAllowed(reason)
        if existing is None:
            if version:
                raise Conflict(CONFLICT_MESSAGE)
            try:
                with transaction.atomic():
                    report = Report.objects.create(
                        measure=obligation.measure,
                        unit=obligation.unit,
                        period=period,
                        role=obligation.role,
                        state=state,
                        updated_by=user,
                        submitted_at=now if submit else None,
                        **values,
                    )
            except IntegrityError:
                raise Conflict(CONFLICT_MESSAGE) from None
            changes = _field_changes({}, values)
            action = ReportEvent.Action.SUBMITTED if submit else ReportEvent.Action.DRAFT_SAVED
        else:
            if existing.version != version:
                raise Conflict(CONFLICT_MESSAGE)
            before = {name: getattr(existing, name) for name in REPORT_FIELDS}
            changes = _field_changes(before, values)
            if submit:
                was_returned = existing.state == Report.State.RETURNED or (
                    existing.state == Report.State.DRAFT and existing.review_comment
                )
                if existing.state == Report.State.SUBMITTED:
                    action = ReportEvent.Action.EDITED
                elif was_returned:
                    action = ReportEvent.Action.RESUBMITTED
                else:
                    action = ReportEvent.Action.SUBMITTED
            else:
                action = ReportEvent.Action.DRAFT_SAVED
            updated = Report.objects.filter(pk=existing.pk, version=version).update(
                **values,
                state=state,
                version=F("version") + 1,
                updated_by=user,
                updated_at=now,
                submitted_at=now if submit else existing.submitted_at,
            )
            if not updated:
                raise Conflict(CONFLICT_MESSAGE)
            report = Report.objects.get(pk=existing.pk)
        if imported:
            action = ReportEvent.Action.IMPORTED
        ReportEvent.objects.create(report=report, action=action, actor=user, at=now, changes=changes)
        for upload in evidence:
            Evidence.objects.create(
                report=report, file=upload, original_name=upload.name[:200], size=upload.size, uploaded_by=user
            )
    return report


_AUDIT_KINDS = {
    ReportEvent.Action.APPROVED: audit.Kind.REPORT_APPROVED,
    ReportEvent.Action.RETURNED: audit.Kind.REPORT_RETURNED,
    ReportEvent.Action.REOPENED: audit.Kind.REPORT_REOPENED,
}


def _review(report, user, version, *, allowed_from, new_state, action, comment=""):
    now = timezone.now()
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, version=version, state__in=allowed_from).update(
            state=new_state,
            version=F("version") + 1,
            review_comment=comment,
            updated_by=user,
            updated_at=now,
        )
        if not updated:
            current = Report.objects.filter(pk=report.pk).values_list("state", flat=True).first()
            if current not in allowed_from:
                raise NotAllowed("该填报的状态已经改变，无法执行此操作，请刷新页面。")
            raise Conflict(CONFLICT_MESSAGE)
        ReportEvent.objects.create(report=report, action=action, actor=user, at=now, comment=comment)
        audit.record(_AUDIT_KINDS[action], user=user, obj=report, detail=comment)
    return Report.objects.get(pk=report.pk)


def approve(report, user, version, comment=""):
    return _review(
        report,
        user,
        version,
        allowed_from=[Report.State.SUBMITTED],
        new_state=Report.State.APPROVED,
        action=ReportEvent.Action.APPROVED,
        comment=comment,
    )


def return_for_revision(report, user, version, comment):
    if not comment.strip():
        raise NotAllowed("退回时必须填写退回意见，说明需要修改的内容。")
    return _review(
        report,
        user,
        version,
        allowed_from=[Report.State.SUBMITTED],
        new_state=Report.State.RETURNED,
        action=ReportEvent.Action.RETURNED,
        comment=comment.strip(),
    )


def reopen(report, user, version, comment=""):
    """An approved report back to the unit for changes."""
    return _review(
        report,
        user,
        version,
        allowed_from=[Report.State.APPROVED],
        new_state=Report.State.RETURNED,
        action=ReportEvent.Action.REOPENED,
        comment=comment.strip(),
    )


def timeline(measure):
    """Every event of the measure's reports, oldest first. One query."""
    return list(
        ReportEvent.objects.filter(report__measure=measure)
        .select_related("report__unit", "report__period", "actor")
        .order_by("at", "pk")
    )


def describe_changes(event):
    """[(field label, old, new)] with choice values shown as their labels."""
    rows = []
    for name, (old, new) in event.changes.items():
        field = Report._meta.get_field(name)
        if field.choices:
            labels = dict(field.flatchoices)
            old, new = labels.get(old, old), labels.get(new, new)
        rows.append((field.verbose_name, "" if old is None else old, new))
    return rows
