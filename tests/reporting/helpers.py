"""Helpers of the reporting tests: periods, reports through the workflow or straight
to the database, form data, the state a refused request must leave, data to grow."""

import datetime
import io
import zipfile

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Membership
from tasks import obligations
from tasks.models import (
    Assignment,
    Evidence,
    Measure,
    Notification,
    NotificationSettings,
    Period,
    ReminderLog,
    Report,
    ReportEvent,
)
from tasks.reporting import workflow
from tests.conftest import make_user, measure_by_code
from tests.helpers import obligation, unit

TODAY = datetime.date(2024, 3, 20)
CURRENT_PERIOD = "2024年第一季度"


def period(plan, name=CURRENT_PERIOD):
    return Period.objects.get(plan=plan, name=name)


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
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "user_id", "read_at")),
        "notification_settings": list(
            NotificationSettings.objects.order_by("pk").values_list("user_id", "email_enabled")
        ),
        "contacts": list(Membership.objects.order_by("pk").values_list("pk", "office_phone", "mobile")),
    }


def kewei_report(plan, measure):
    """区科委's report on `measure` for the current period."""
    return Report.objects.get(measure=measure, unit__name="区科委", period=period(plan))


def last_event_pk():
    last = ReportEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def new_events(before_pk):
    return list(ReportEvent.objects.filter(pk__gt=before_pk).order_by("pk"))


PDF_BYTES = b"%PDF-1.4\n% evidence of the 2024 Q1 meeting\n"
OLE_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _zip_with(member):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


def sample_content(name):
    """What a real file of `name`'s type starts with: evidence is checked by content too."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    zipped = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml", "ofd": "OFD.xml"}
    if extension in zipped:
        return _zip_with(zipped[extension])
    if extension in ("doc", "xls", "ppt", "wps", "et", "dps"):
        return OLE_BYTES
    if extension in ("jpg", "jpeg"):
        return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
    if extension == "png":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    if extension == "txt":
        return "会议纪要：第一季度推进会。".encode()
    return PDF_BYTES


def upload(name, content=None):
    return SimpleUploadedFile(
        name, sample_content(name) if content is None else content, content_type="application/octet-stream"
    )


# Query counts: a little data, then much more.

PERIODS = ["2023年第四季度", "2024年第一季度"]
GROWN_MEASURES = [(1, 1), (1, 3), (2, 1), (5, 2), (6, 1)]


def little(plan, measure, user):
    """A little data on `measure`: its first obligation has one submitted report this quarter."""
    first = obligations.for_measure(measure)[0]
    writer = (
        user
        if user.memberships.filter(unit=first.unit).exists()
        else make_user(f"staff{first.unit.pk}", units=[first.unit.name])
    )
    return workflow.save_report(
        first,
        period(plan),
        {"status": "in_progress", "percent": 10, "progress": "少量数据", "problems": "", "next_steps": ""},
        writer,
        submit=True,
        version=0,
    )


def queries_for(browser, url):
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
    assert response.status_code == 200
    return len(captured), response


def grow(plan, coordinator):
    """Many reports with events and evidence, across units and periods, plus more duties for 区科委.

    Every obligation of GROWN_MEASURES reports for two quarters (the first approved), and the
    latest report of each carries an evidence file. Returns the number of reports awaiting review.
    """
    kewei = unit("区科委")
    for position, measure in enumerate(Measure.objects.filter(task__plan=plan, task__number__in=[3, 4]), start=50):
        if not measure.assignments.filter(unit=kewei).exists():
            Assignment.objects.create(
                measure=measure, unit=kewei, position=position, role="support", printed_name="区科委"
            )
    owed = [o for code in GROWN_MEASURES for o in obligations.for_measure(measure_by_code(plan, *code))]
    assert len(owed) > 30
    writers = {u.memberships.get().unit_id: u for u in User.objects.filter(username__startswith="staff")}
    for o in owed:
        writer = writers.get(o.unit.pk) or make_user(f"staff{o.unit.pk}", units=[o.unit.name])
        writers[o.unit.pk] = writer
        for name in PERIODS:
            quarter = period(plan, name)
            existing = Report.objects.filter(measure=o.measure, unit=o.unit, period=quarter).first()
            report = workflow.save_report(
                o,
                quarter,
                {
                    "status": "in_progress",
                    "percent": 40,
                    "progress": f"{o.unit.name}{name}进展",
                    "problems": "",
                    "next_steps": "",
                },
                writer,
                submit=True,
                version=existing.version if existing else 0,
            )
            if name != PERIODS[-1]:
                workflow.approve(report, coordinator, report.version)
        Evidence.objects.create(
            report=report,
            file=ContentFile(b"%PDF", name="x.pdf"),
            original_name=f"{o.unit.name}.pdf",
            size=4,
            uploaded_by=writer,
        )
    return Report.objects.filter(state="submitted").count()


def contact_form(unit_, **phones):
    """POST data of the unit's contact form; `phones` maps a username to (office phone, mobile)."""
    memberships = list(Membership.objects.filter(unit=unit_, user__is_active=True).order_by("user__username"))
    data = {
        "form-TOTAL_FORMS": len(memberships),
        "form-INITIAL_FORMS": len(memberships),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }
    for i, m in enumerate(memberships):
        office, mobile = phones.get(m.user.username, (m.office_phone, m.mobile))
        data.update({f"form-{i}-id": m.pk, f"form-{i}-office_phone": office, f"form-{i}-mobile": mobile})
    return data
