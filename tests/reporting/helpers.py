"""Shared helpers for the reporting tests: periods, obligations, reports, form data."""

import datetime

from departments.models import Unit
from tasks import obligations, workflow
from tasks.models import Evidence, Period, ReminderLog, Report, ReportEvent

DOC_NUMBER = "嘉府发〔2023〕2号"
TODAY = datetime.date(2024, 3, 20)
CURRENT_PERIOD = "2024年第一季度"


def period(plan, name=CURRENT_PERIOD):
    return Period.objects.get(plan=plan, name=name)


def unit(name):
    return Unit.objects.get(name=name)


def obligation(measure, unit_name):
    """The obligation of the named unit on `measure`; fails loudly when there is none."""
    found = [o for o in obligations.for_measure(measure) if o.unit.name == unit_name]
    assert found, f"{unit_name} has no obligation on {measure.code}"
    return found[0]


def fields(**overrides):
    """A valid set of report fields, as the workflow takes them."""
    values = {
        "status": Report.Status.IN_PROGRESS,
        "percent": 30,
        "progress": "已召开专题推进会，梳理重点企业名单。",
        "problems": "",
        "next_steps": "",
    }
    values.update(overrides)
    return values


def form_data(*, version=0, submit=False, **overrides):
    """POST data for the report form; `submit` presses 提交审核, else 保存草稿."""
    data = {key: value for key, value in fields(**overrides).items()}
    data["version"] = version
    data["submit" if submit else "draft"] = ""
    return data


def save(plan, measure, unit_name, user, *, period_name=CURRENT_PERIOD, submit=True, version=None, **overrides):
    """Create or update a report through the workflow, as the form would."""
    owed = obligation(measure, unit_name)
    target = period(plan, period_name)
    if version is None:
        existing = Report.objects.filter(measure=measure, unit=owed.unit, period=target).first()
        version = existing.version if existing else 0
    return workflow.save_report(owed, target, fields(**overrides), user, submit=submit, version=version)


def put_report(
    plan,
    measure,
    unit_name,
    *,
    period_name=CURRENT_PERIOD,
    percent,
    state=Report.State.SUBMITTED,
    status=None,
):
    """A report written straight to the database, for rollup tests that do not exercise the workflow."""
    owed = obligation(measure, unit_name)
    if status is None:
        status = Report.Status.DONE if percent == 100 else Report.Status.IN_PROGRESS
    return Report.objects.create(
        measure=measure,
        unit=owed.unit,
        period=period(plan, period_name),
        role=owed.role,
        status=status,
        percent=percent,
        progress=f"{unit_name} 完成 {percent}%",
        state=state,
    )


def snapshot():
    """Everything a refused request must leave untouched."""
    return {
        "reports": list(
            Report.objects.order_by("pk").values_list(
                "pk", "unit_id", "period_id", "state", "version", "percent", "progress", "review_comment"
            )
        ),
        "events": ReportEvent.objects.count(),
        "evidence": Evidence.objects.count(),
        "periods": list(
            Period.objects.order_by("pk").values_list("pk", "name", "start_date", "end_date", "due_date", "is_closed")
        ),
        "reminders": ReminderLog.objects.count(),
    }
