"""Unit staff write only into the current period while it takes reports, or a
period the coordinator opened for late reporting; a tampered period field is
refused and audited (tasks/periods.py)."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from security.models import AuditEvent
from tasks import periods
from tasks.models import Period, Plan, Report, Task
from tests.conftest import make_user, measure_by_code

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day):
    """Freeze the clock at noon in Shanghai on `day`."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI), tick=False)


def report_data(period, **extra):
    data = {
        "status": "in_progress",
        "percent": "30",
        "progress": "召开推进会",
        "problems": "",
        "next_steps": "",
        "version": "0",
        "submit": "1",
    }
    if period is not None:
        data["period"] = str(period if isinstance(period, (str, int)) else period.pk)
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def measure(plan):
    return measure_by_code(plan, 1, 1)


@pytest.fixture
def staff_client(client, lead_staff):
    """Logged in again at each request: travelling days ahead would end an idle session."""

    class StaffClient:
        def get(self, *args, **kwargs):
            client.force_login(lead_staff)
            return client.get(*args, **kwargs)

        def post(self, *args, **kwargs):
            client.force_login(lead_staff)
            return client.post(*args, **kwargs)

    return StaffClient()


def form_url(measure):
    return reverse("tasks:report_form", args=[measure.pk])


def quarter(plan, name):
    return Period.objects.get(plan=plan, name=name)


def test_a_tampered_past_period_is_refused_and_audited(plan, measure, staff_client):
    past = quarter(plan, "2023年第一季度")
    with at(datetime.date(2024, 3, 20)):
        response = staff_client.post(form_url(measure), report_data(past))

    assert response.status_code == 302
    assert not Report.objects.filter(measure=measure).exists()
    event = AuditEvent.objects.get(kind="period_refused")
    assert event.result == "denied" and event.username == "kewei"
    assert "2023年第一季度" in event.detail and "停止填报" in event.detail


@pytest.mark.parametrize("posted", ["999999", "-1", "abc", "99999999999999999999999", ""])
def test_a_made_up_period_is_refused_and_audited(plan, measure, staff_client, posted):
    with at(datetime.date(2024, 3, 20)):
        response = staff_client.post(form_url(measure), report_data(posted))

    assert response.status_code == 302
    assert not Report.objects.filter(measure=measure).exists()
    assert AuditEvent.objects.filter(kind="period_refused", detail__contains="填报周期无效").count() == 1


def test_another_plans_period_is_refused(plan, measure, staff_client):
    other = Plan.objects.create(
        title="另一方案",
        doc_number="嘉府发〔2026〕1号",
        issuer="区政府",
        start_date="2026-01-01",
        end_date="2026-12-31",
    )
    Task.objects.create(plan=other, number=1, title="任务")
    foreign = Period.objects.create(
        plan=other, name="2026年第一季度", start_date="2024-01-01", end_date="2024-03-31", due_date="2024-04-10"
    )
    with at(datetime.date(2024, 3, 20)):
        staff_client.post(form_url(measure), report_data(foreign))

    assert not Report.objects.filter(measure=measure).exists()
    assert AuditEvent.objects.filter(kind="period_refused").exists()


def test_the_current_period_takes_reports(plan, measure, staff_client):
    with at(datetime.date(2024, 3, 20)):
        response = staff_client.post(form_url(measure), report_data(quarter(plan, "2024年第一季度")))

    assert response.status_code == 302
    assert Report.objects.get(measure=measure).period.name == "2024年第一季度"
    assert not AuditEvent.objects.filter(kind="period_refused").exists()


def test_the_last_period_takes_reports_until_the_grace_days_after_its_due_date(plan, measure, staff_client, settings):
    settings.REPORTING_GRACE_DAYS = 15
    last = quarter(plan, "2025年第四季度")
    deadline = last.due_date + datetime.timedelta(days=15)
    assert periods.reporting_deadline(last) == deadline

    with at(deadline):
        assert staff_client.post(form_url(measure), report_data(last, submit=None)).status_code == 302
    assert Report.objects.filter(measure=measure, period=last).exists()

    with at(deadline + datetime.timedelta(days=1)):
        staff_client.post(form_url(measure), report_data(last, version="1"))
        page = staff_client.get(form_url(measure), follow=True).content.decode()
    assert Report.objects.get(measure=measure, period=last).state == "draft"
    assert "当前没有接受填报的周期" in page


def test_coordinator_opens_a_past_period_for_late_reporting(plan, measure, client, lead_staff):
    coordinator = make_user("coordinator", groups=["协调人"])
    last = quarter(plan, "2025年第四季度")
    today = datetime.date(2026, 11, 28)
    with at(today):
        client.force_login(coordinator)
        response = client.post(
            reverse("tasks:period_update", args=[last.pk]), {"action": "late", f"l{last.pk}-late_until": "2026-12-31"}
        )
    assert response.status_code == 302
    last.refresh_from_db()
    assert last.late_until == datetime.date(2026, 12, 31)
    assert AuditEvent.objects.get(kind="period_changed").detail == "“2025年第四季度”开放补报至 2026-12-31"

    with at(today):
        client.force_login(lead_staff)
        page = client.get(form_url(measure)).content.decode()
        assert "周期：2025年第四季度" in page and "可填报至 2026-12-31" in page
        client.post(form_url(measure), report_data(last))
    assert Report.objects.get(measure=measure).period == last

    # Earlier quarters stay shut.
    with at(today):
        client.post(form_url(measure), report_data(quarter(plan, "2025年第三季度")))
    assert Report.objects.filter(measure=measure).count() == 1


def test_late_reporting_ends_on_its_date(plan, measure, staff_client):
    last = quarter(plan, "2025年第四季度")
    last.late_until = datetime.date(2026, 12, 31)
    last.save()

    with at(datetime.date(2027, 1, 1)):
        staff_client.post(form_url(measure), report_data(last))

    assert not Report.objects.exists()
    assert "补报已于 2026-12-31 截止" in AuditEvent.objects.get(kind="period_refused").detail


def test_import_follows_the_same_rule(plan, client):
    coordinator = make_user("coordinator", groups=["协调人"])
    upload = io.BytesIO(b"PK\x03\x04 not really")
    upload.name = "台账.xlsx"
    with at(datetime.date(2026, 11, 28)):
        client.force_login(coordinator)
        page = client.post(reverse("tasks:import_status"), {"action": "preview", "file": upload}).content.decode()
    assert "没有可导入的行动方案或开放的填报周期" in page


def test_make_run_demo_leaves_a_period_open_for_reporting(plan, settings, client):
    settings.DEBUG = True
    today = datetime.date(2026, 11, 28)
    with at(today):
        call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
        writable = periods.writable_periods(plan, timezone.localdate())
    assert [p.name for p in writable] == ["2025年第四季度"]
    assert writable[0].late_until == today + datetime.timedelta(days=30)

    from django.contrib.auth.models import User

    with at(today):
        client.force_login(User.objects.get(username="kewei"))
        response = client.get(form_url(measure_by_code(plan, 1, 1)))
    assert response.status_code == 200
    assert "周期：2025年第四季度" in response.content.decode()
