"""Report state changes, version checks and the timeline.

Every change goes through this module: it checks that the report may change,
refuses a save based on a stale version (two people editing one report: the
later save loses, nothing is overwritten), writes the report and appends a
ReportEvent saying who did what, when, which fields changed and which
evidence files came or went; and it writes the change once to the audit
trail (security.audit), and tells the unit about review decisions
(tasks/notifications.py).

The states: a draft is the unit's own; submitted goes to the coordinator,
who approves or returns it; a returned or reopened report goes back to the
unit. A submitted report goes back to draft only when the unit withdraws it
(撤回): saving it as a draft is refused.

A final evaluation (终期评估) is a report of a FINAL period and goes the same
way: save_report writes it (with its 完成情况) for a lead only
(final_block_reason), the coordinator returns it like any report and approves
it with approve_evaluation, which keeps the 评估意见.
"""

import contextlib
import contextvars
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from security import audit
from tasks import periods
from tasks.followup import notifications
from tasks.models import Evidence, Notification, Period, Report, ReportEvent
from tasks.progress import judgement

REPORT_FIELDS = ["status", "percent", "progress", "problems", "next_steps"]
EVALUATION_FIELDS = [*REPORT_FIELDS, "completion"]

_stamp = contextvars.ContextVar("workflow_stamp", default=None)


def current_time():
    """The time a change is stamped with: now, unless a command writing history set
    another with `stamped` (the timeline then shows when things happened)."""
    return _stamp.get() or timezone.now()


@contextlib.contextmanager
def stamped(moment):
    """Changes inside the block (reports and indicator values) are stamped `moment`.
    For commands that write a history on purpose (seed_demo); never for requests."""
    token = _stamp.set(moment)
    try:
        yield
    finally:
        _stamp.reset(token)


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


SUBMITTED_DRAFT_MESSAGE = "该填报已提交，正在等待审核，不能保存为草稿；如需修改，请先撤回。"
NAME_LENGTH = Evidence._meta.get_field("original_name").max_length


def evidence_block_reason(report, today=None):
    """Why the unit cannot add or delete evidence files of `report` now, or None
    (`today` as for edit_block_reason)."""
    return edit_block_reason(report, report.period, today)


def short_name(name, limit=NAME_LENGTH):
    """A file name cut to `limit` characters, keeping its extension."""
    if len(name) <= limit:
        return name
    path = PurePath(name)
    suffix = path.suffix if len(path.suffix) < limit // 2 else ""
    return path.stem[: limit - len(suffix) - 1] + "…" + suffix


def final_block_reason(obligation, period, data=None, *, submit=True):
    """Why the obligation cannot write into a final-evaluation period, or None.
    Only those who owe it (leads: obligations.Obligation.owes) evaluate, and an
    evaluation is written on its own form (`data`, when given, is what is to be
    saved: a 台账 import or a quarterly form brings no 完成情况 field) and
    submitted with its 完成情况 (a draft may leave it empty)."""
    if period.kind != Period.Kind.FINAL:
        return None
    if not obligation.owes(period):
        if not obligation.is_lead:
            return "终期评估由牵头单位填报，配合单位无需填报。"
        return f"本单位自 {obligation.owed_from:%Y-%m-%d} 起承担该措施，不参加“{period.name}”。"
    if data is not None and ("completion" not in data or (submit and not data["completion"])):
        return "终期评估须逐项填写完成情况、主要成效、未完成原因和后续安排，请牵头单位在系统的终期评估表中填写，不能通过台账或季度填报表导入。"
    return None


def _field_changes(before, after):
    """{field: [old, new]} for the fields that changed; a new report lists its non-empty fields."""
    return {
        name: [before.get(name), after[name]]
        for name in after
        if before.get(name) != after[name] and (before or after[name] not in ("", None))
    }


def save_report(
    obligation, period, data, user, *, submit, version, imported=False, evidence=(), copied_from=None, today=None
):
    """Create or update the obligation's report for `period` as a draft or a submission.

    `version` is the version the user's form was based on (0 for a new report);
    `imported` marks a change that came from an uploaded 台账; `evidence` are
    uploaded files (already checked by the form) to keep with the report;
    `copied_from` is the earlier report the form started from (沿用上期),
    remembered while the saved text is still the same as its;
    `today`, the day of a user's request, holds the write to the period rule
    (see edit_block_reason). In a final-evaluation period `data` also holds the
    完成情况 (see final_block_reason).
    Raises NotAllowed or Conflict, and then keeps nothing; returns the saved Report.
    """
    now = current_time()
    reason = final_block_reason(obligation, period, data, submit=submit)
    if reason:
        raise NotAllowed(reason)
    names = EVALUATION_FIELDS if period.kind == Period.Kind.FINAL else REPORT_FIELDS
    # PostgreSQL cannot store NUL characters; forms refuse them, imports and
    # other callers get them dropped.
    values = {name: data[name].replace("\x00", "") if isinstance(data[name], str) else data[name] for name in names}
    if values.get("completion"):
        values["status"] = Report.COMPLETION_STATUS[values["completion"]]
    state = Report.State.SUBMITTED if submit else Report.State.DRAFT
    with transaction.atomic():
        existing = Report.objects.filter(measure=obligation.measure, unit=obligation.unit, period=period).first()
        reason = edit_block_reason(existing, period, today)
        if reason:
            raise NotAllowed(reason)
        if existing is not None and existing.state == Report.State.SUBMITTED and not submit:
            raise NotAllowed(SUBMITTED_DRAFT_MESSAGE)
        copied = _still_copied(copied_from, obligation, period, values)
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
                        copied_from=copied,
                        **values,
                    )
            except IntegrityError:
                raise Conflict(CONFLICT_MESSAGE) from None
            changes = _field_changes({}, values)
            action = ReportEvent.Action.SUBMITTED if submit else ReportEvent.Action.DRAFT_SAVED
        else:
            if existing.version != version:
                raise Conflict(CONFLICT_MESSAGE)
            before = {name: getattr(existing, name) for name in names}
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
                # The 沿用上期 mark stays until the text is edited.
                copied_from_id=copied.pk if copied else (existing.copied_from_id if not changes else None),
            )
            if not updated:
                raise Conflict(CONFLICT_MESSAGE)
            report = Report.objects.select_related("measure__task", "unit", "period").get(pk=existing.pk)
        if imported:
            action = ReportEvent.Action.IMPORTED
        files = []
        for upload in evidence:
            files.append(
                Evidence.objects.create(
                    report=report,
                    file=upload,
                    original_name=short_name(upload.name),
                    size=upload.size,
                    uploaded_by=user,
                )
            )
        ReportEvent.objects.create(
            report=report,
            action=action,
            actor=user,
            at=now,
            changes=changes,
            files=[item.original_name for item in files],
        )
        before_state = Report.State(existing.state).label if existing else "新建"
        lines = [f"{before_state} → {Report.State(state).label}"]
        if copied:
            lines.append(f"沿用{copied.period.name}的填报")
        lines += [f"{label}：{_shown(old)} → {_shown(new)}" for label, old, new in _labelled(report, changes)]
        audit.record(_AUDIT_KINDS[action], user=user, obj=report, detail="；".join(lines))
        for item in files:
            audit.record(audit.Kind.EVIDENCE_UPLOADED, user=user, obj=report, detail=_file_detail(item))
    return report


def _still_copied(source, obligation, period, values):
    """`source` when it is the obligation's report of an earlier period and
    `values` are still its text; else None."""
    if source is None or (source.measure_id, source.unit_id) != (obligation.measure.pk, obligation.unit.pk):
        return None
    if source.period.end_date >= period.start_date:
        return None
    return source if all(getattr(source, name) == values[name] for name in REPORT_FIELDS) else None


def previous_report(obligation, period):
    """The obligation's latest submitted or approved report of an earlier period
    (the starting point of 沿用上期), or None: judgement.History.latest, the one
    rule for an obligation's latest report. One query."""
    history = judgement.History.of_obligation(obligation, period.plan_id)
    row = history.latest(obligation.key, period, before=True)
    return history.reports[row.pk] if row else None


def withdraw(report, user, version, today=None):
    """A submitted report the coordinator has not reviewed yet goes back to the
    unit as a draft (撤回), while its period takes reports (`today` as for
    edit_block_reason): a draft the unit could not submit again would drop
    the report out of review for good."""
    reason = edit_block_reason(report, report.period, today)
    if reason:
        raise NotAllowed(reason)
    now = current_time()
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, version=version, state=Report.State.SUBMITTED).update(
            state=Report.State.DRAFT, version=F("version") + 1, updated_by=user, updated_at=now
        )
        if not updated:
            current = Report.objects.filter(pk=report.pk).values_list("state", flat=True).first()
            if current != Report.State.SUBMITTED:
                raise NotAllowed("只有已提交、尚未审核的填报可以撤回；请刷新页面查看最新状态。")
            raise Conflict(CONFLICT_MESSAGE)
        ReportEvent.objects.create(report=report, action=ReportEvent.Action.WITHDRAWN, actor=user, at=now)
        audit.record(audit.Kind.REPORT_WITHDRAWN, user=user, obj=report, detail="已提交 → 草稿")
    return Report.objects.get(pk=report.pk)


def delete_evidence(evidence, user, today=None):
    """The unit removes one of its evidence files before the report is
    approved, while its period takes reports (`today` as for edit_block_reason).

    The row goes at once, the file once the deletion is committed; the
    timeline and the audit trail keep its name."""
    report = evidence.report
    reason = evidence_block_reason(report, today)
    if reason:
        raise NotAllowed(reason)
    with transaction.atomic():
        ReportEvent.objects.create(
            report=report,
            action=ReportEvent.Action.FILE_DELETED,
            actor=user,
            at=current_time(),
            files=[evidence.original_name],
        )
        audit.record(audit.Kind.EVIDENCE_DELETED, user=user, obj=report, detail=_file_detail(evidence))
        storage, name = evidence.file.storage, evidence.file.name
        evidence.delete()
        transaction.on_commit(lambda: storage.delete(name))


def _file_detail(evidence):
    return f"{evidence.original_name}（{evidence.size} 字节）"


def _shown(value):
    text = "空" if value in (None, "") else str(value)
    return text if len(text) <= 300 else text[:300] + "…"


_AUDIT_KINDS = {
    ReportEvent.Action.DRAFT_SAVED: audit.Kind.REPORT_DRAFT_SAVED,
    ReportEvent.Action.SUBMITTED: audit.Kind.REPORT_SUBMITTED,
    ReportEvent.Action.RESUBMITTED: audit.Kind.REPORT_RESUBMITTED,
    ReportEvent.Action.EDITED: audit.Kind.REPORT_EDITED,
    ReportEvent.Action.IMPORTED: audit.Kind.REPORT_IMPORTED,
    ReportEvent.Action.APPROVED: audit.Kind.REPORT_APPROVED,
    ReportEvent.Action.RETURNED: audit.Kind.REPORT_RETURNED,
    ReportEvent.Action.REOPENED: audit.Kind.REPORT_REOPENED,
}
_NOTIFICATION_KINDS = {
    ReportEvent.Action.APPROVED: Notification.Kind.APPROVED,
    ReportEvent.Action.RETURNED: Notification.Kind.RETURNED,
    ReportEvent.Action.REOPENED: Notification.Kind.REOPENED,
}


def _review(report, user, version, *, allowed_from, new_state, action, comment="", also=None):
    """`also`: further fields to set with the state change (approve_evaluation's 评估意见)."""
    now = current_time()
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, version=version, state__in=allowed_from).update(
            state=new_state,
            version=F("version") + 1,
            review_comment=comment,
            updated_by=user,
            updated_at=now,
            **(also or {}),
        )
        if not updated:
            current = Report.objects.filter(pk=report.pk).values_list("state", flat=True).first()
            if current not in allowed_from:
                raise NotAllowed("该填报的状态已经改变，无法执行此操作，请刷新页面。")
            raise Conflict(CONFLICT_MESSAGE)
        ReportEvent.objects.create(report=report, action=action, actor=user, at=now, comment=comment)
        audit.record(_AUDIT_KINDS[action], user=user, obj=report, detail=comment)
        notifications.report_reviewed(report, _NOTIFICATION_KINDS[action], comment)
    return Report.objects.get(pk=report.pk)


def approve(report, user, version, comment=""):
    """A submitted report approved. A final evaluation needs its 评估意见: approve_evaluation."""
    if report.is_evaluation:
        raise NotAllowed("终期评估须填写评估意见后审核通过。")
    return _review(
        report,
        user,
        version,
        allowed_from=[Report.State.SUBMITTED],
        new_state=Report.State.APPROVED,
        action=ReportEvent.Action.APPROVED,
        comment=comment,
    )


def approve_evaluation(report, user, version, assessment):
    """A submitted final evaluation approved with the coordinator's 评估意见, which
    is kept with it (a later reopen and approval replaces it) and is the approval's
    comment in the timeline and the audit trail."""
    assessment = assessment.strip()
    if not report.is_evaluation:
        raise NotAllowed("只有终期评估需要评估意见。")
    if not assessment:
        raise NotAllowed("审核通过终期评估时须填写评估意见。")
    return _review(
        report,
        user,
        version,
        allowed_from=[Report.State.SUBMITTED],
        new_state=Report.State.APPROVED,
        action=ReportEvent.Action.APPROVED,
        comment=assessment,
        also={"assessment": assessment},
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


REOPEN_REASON_MESSAGE = "重新打开时必须填写原因，说明需要修改的内容；单位会在消息和填报页看到。"


def reopen(report, user, version, comment=""):
    """An approved report back to the unit for changes, with the reason the unit reads."""
    if not comment.strip():
        raise NotAllowed(REOPEN_REASON_MESSAGE)
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
    """Every event of the measure's reports, newest first. One query."""
    return list(
        ReportEvent.objects.filter(report__measure=measure)
        .select_related("report__unit", "report__period", "actor")
        .order_by("-at", "-pk")
    )


def describe_changes(event):
    """[(field label, old, new)] with choice values shown as their labels, and a
    final evaluation's fields under their own names (event.report.period loaded)."""
    return _labelled(event.report, event.changes)


def _labelled(report, changes):
    rows = []
    for name, (old, new) in changes.items():
        field = Report._meta.get_field(name)
        if field.choices:
            labels = dict(field.flatchoices)
            old, new = labels.get(old, old), labels.get(new, new)
        rows.append((report.field_label(name), "" if old is None else old, new))
    return rows
