"""Reports in the review engine (tasks/review/engine.py): their policy, the
write rule of periods and final evaluations, 沿用上期 and the timeline.

Every change goes through this module and the engine: it checks that the
report may change, refuses a save based on a stale version (two people
editing one report: the later save loses, nothing is overwritten), writes the
report and appends a ReportEvent saying who did what, when, which fields
changed and which evidence files came or went; and it writes the change once
to the audit trail (security.audit), and tells the unit about review
decisions (tasks/followup/notifications.py).

The states: a draft is the unit's own; submitted goes to the coordinator,
who approves or returns it; a returned or reopened report goes back to the
unit. A submitted report goes back to draft only when the unit withdraws it
(撤回): saving it as a draft is refused.

A final evaluation (终期评估) is a report of a FINAL period and goes the same
way: save_report writes it (with its 完成情况) for a lead only
(final_block_reason), the coordinator returns it like any report and approves
it with approve_evaluation, which keeps the 评估意见.
"""

from security import audit
from tasks import periods
from tasks.followup import notifications
from tasks.models import Evidence, Period, Report, ReportEvent
from tasks.progress import judgement
from tasks.review import engine
from tasks.review.engine import (
    CONFLICT_MESSAGE,
    REOPEN_REASON_MESSAGE,
    Conflict,
    NotAllowed,
    WorkflowError,
)

__all__ = ["CONFLICT_MESSAGE", "REOPEN_REASON_MESSAGE", "Conflict", "NotAllowed", "WorkflowError"]

REPORT_FIELDS = ["status", "percent", "progress", "problems", "next_steps"]
EVALUATION_FIELDS = [*REPORT_FIELDS, "completion"]


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
    return engine.Policy.edit_block_reason(ReportPolicy(), report)


def evidence_block_reason(report, today=None):
    """Why the unit cannot add or delete evidence files of `report` now, or None
    (`today` as for edit_block_reason)."""
    return edit_block_reason(report, report.period, today)


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


class ReportPolicy(engine.Policy):
    """A report in the review engine. `period` is the period a save writes into
    (its write rule, with `today`); `copied` the earlier report a save still
    repeats (沿用上期)."""

    model = Report
    event_model = ReportEvent
    evidence_model = Evidence
    parent = "report"

    def __init__(self, period=None, copied=None):
        self.period = period
        self.copied = copied

    def edit_block_reason(self, item, today=None):
        return edit_block_reason(item, self.period or item.period, today)

    def reload(self, pk):
        return Report.objects.select_related("measure__task", "unit", "period").get(pk=pk)

    def update_fields(self, existing, changes, values):
        # The 沿用上期 mark stays until the text is edited.
        copied = self.copied.pk if self.copied else (existing.copied_from_id if not changes else None)
        return {"copied_from_id": copied}

    def event_extra(self, files):
        return {"files": [item.original_name for item in files]}

    def saved(self, user, item, existing, action, changes):
        before = Report.State(existing.state).label if existing else "新建"
        lines = [f"{before} → {Report.State(item.state).label}"]
        if self.copied:
            lines.append(f"沿用{self.copied.period.name}的填报")
        lines += [f"{label}：{_shown(old)} → {_shown(new)}" for label, old, new in _labelled(item, changes)]
        audit.record(_AUDIT_KINDS[action], user=user, obj=item, detail="；".join(lines))

    def reviewed(self, user, item, action, comment):
        audit.record(_AUDIT_KINDS[action], user=user, obj=item, detail=comment)
        notifications.report_reviewed(item, action, comment)

    def approve(self, item, user, version, comment="", *, also=None, at=None):
        if item.is_evaluation:
            raise NotAllowed("终期评估须填写评估意见后审核通过。")
        return super().approve(item, user, version, comment, also=also, at=at)

    def file_kept(self, user, item, evidence):
        audit.record(audit.Kind.EVIDENCE_UPLOADED, user=user, obj=item, detail=_file_detail(evidence))

    def file_deleted(self, user, item, evidence):
        audit.record(audit.Kind.EVIDENCE_DELETED, user=user, obj=item, detail=_file_detail(evidence))

    def withdrawn(self, user, item):
        audit.record(audit.Kind.REPORT_WITHDRAWN, user=user, obj=item, detail="已提交 → 草稿")


REPORTS = ReportPolicy()


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


def save_report(
    obligation,
    period,
    data,
    user,
    *,
    submit,
    version,
    imported=False,
    evidence=(),
    copied_from=None,
    today=None,
    at=None,
):
    """Create or update the obligation's report for `period` as a draft or a submission.

    `version` is the version the user's form was based on (0 for a new report);
    `imported` marks a change that came from an uploaded 台账; `evidence` are
    uploaded files (already checked by the form) to keep with the report;
    `copied_from` is the earlier report the form started from (沿用上期),
    remembered while the saved text is still the same as its;
    `today`, the day of a user's request, holds the write to the period rule
    (see edit_block_reason); `at` stamps a history written on purpose (seed_demo).
    In a final-evaluation period `data` also holds the
    完成情况 (see final_block_reason).
    Raises NotAllowed or Conflict, and then keeps nothing; returns the saved Report.
    """
    reason = final_block_reason(obligation, period, data, submit=submit)
    if reason:
        raise NotAllowed(reason)
    names = EVALUATION_FIELDS if period.kind == Period.Kind.FINAL else REPORT_FIELDS
    values = {name: data[name] for name in names}
    if values.get("completion"):
        values["status"] = Report.COMPLETION_STATUS[values["completion"]]
    copied = _still_copied(copied_from, obligation, period, values)
    return engine.save(
        ReportPolicy(period=period, copied=copied),
        {"measure": obligation.measure, "unit": obligation.unit, "period": period},
        values,
        user,
        submit=submit,
        version=version,
        create={"role": obligation.role, "copied_from": copied},
        imported=imported,
        evidence=evidence,
        today=today,
        at=at,
    )


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


# 撤回: a submitted report the coordinator has not reviewed yet goes back to the
# unit as a draft, while its period takes reports (`today` as for
# edit_block_reason): a draft the unit could not submit again would drop the
# report out of review for good. A file is deleted under the same rule.
withdraw = REPORTS.withdraw
delete_evidence = REPORTS.delete_evidence


def _file_detail(evidence):
    return f"{evidence.original_name}（{evidence.size} 字节）"


def _shown(value):
    text = "空" if value in (None, "") else str(value)
    return text if len(text) <= 300 else text[:300] + "…"


approve = REPORTS.approve  # a final evaluation needs its 评估意见: approve_evaluation


def approve_evaluation(report, user, version, assessment, *, at=None):
    """A submitted final evaluation approved with the coordinator's 评估意见, which
    is kept with it (a later reopen and approval replaces it) and is the approval's
    comment in the timeline and the audit trail."""
    assessment = assessment.strip()
    if not report.is_evaluation:
        raise NotAllowed("只有终期评估需要评估意见。")
    if not assessment:
        raise NotAllowed("审核通过终期评估时须填写评估意见。")
    return engine.approve(REPORTS, report, user, version, assessment, also={"assessment": assessment}, at=at)


return_for_revision = REPORTS.return_for_revision
reopen = REPORTS.reopen  # an approved report back to the unit, with the reason it reads


def timeline(measure):
    """Every event of the measure's reports, newest first. One query."""
    return REPORTS.timeline("report__unit", "report__period", report__measure=measure)


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
