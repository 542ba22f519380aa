"""The coordinator's writes on periods and reviews, as named actions (in the
manner of Zulip's `do_*` functions): each takes the acting user explicitly,
writes, and tells whom it concerns; the pages call one of them and render.
Report changes themselves are the review engine's (tasks/reporting/workflow.py).

A period's own fields (closed, due date, 补报截止日期) are recorded before →
after by the model's change tracking (security/tracking.py, registered in
tasks/apps.py), as any change from the admin is."""

from tasks.followup import notifications
from tasks.reporting import workflow
from tasks.review.engine import WorkflowError


def do_add_period(period, *, acting_user):
    """Save a new period (built by PeriodForm) and tell the units that owe
    reports in it; the people told."""
    period.save()
    return notifications.period_opened(period)


def do_close_period(period, *, acting_user):
    """No report is written into `period` any more, whatever its dates."""
    period.is_closed = True
    period.save(update_fields=["is_closed"])


def do_reopen_period(period, *, acting_user):
    """A closed period takes reports again (within its dates); the units that owe
    reports in it are told. The people told."""
    period.is_closed = False
    period.save(update_fields=["is_closed"])
    return notifications.period_opened(period)


def do_set_due_date(period, due_date, *, acting_user):
    period.due_date = due_date
    period.save(update_fields=["due_date"])


def do_set_late_reporting(period, late_until, *, acting_user, today):
    """开放补报 until `late_until` (None stops it). The staff of the units that
    still owe reports in `period` are told of a new date; the people told."""
    period.late_until = late_until
    period.save(update_fields=["late_until"])
    if late_until is None:
        return []
    return notifications.late_reporting_opened(period, today)


def do_review_report(report, decision, *, acting_user, version, comment="", assessment=""):
    """The coordinator's decision on one report: "approve" (a final evaluation
    with its 评估意见), "return" or "reopen", each with its comment. Returns the
    report as changed; raises WorkflowError when the engine refuses."""
    if decision == "approve" and report.is_evaluation:
        return workflow.approve_evaluation(report, acting_user, version, assessment)
    return workflow.REPORTS.decide(report, decision, acting_user=acting_user, version=version, comment=comment)


def do_approve_reports(reports, versions, *, acting_user):
    """Approve each of `reports` at the version the coordinator saw
    (`versions`: {report pk: version}); one refused (changed meanwhile, a final
    evaluation without its 评估意见) is left out and named. Returns
    (approved count, ["code unit：reason"])."""
    approved, refused = 0, []
    for report in reports:
        try:
            workflow.approve(report, acting_user, versions.get(report.pk, -1))
        except WorkflowError as exc:
            refused.append(f"{report.measure.code} {report.unit.name}：{exc}")
        else:
            approved += 1
    return approved, refused
