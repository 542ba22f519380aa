"""Unit staff write only into the current period while it takes reports, or a
period the coordinator opened for late reporting; a tampered period field is
refused and audited (tasks/periods.py)."""

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from security.models import AuditEvent
from tasks import periods
from tasks.models import Period, Plan, Report, Task

from .helpers import period

D = datetime.date
AFTER_THE_PLAN = D(2026, 11, 28)


def report_data(target, **extra):
    """The report form's POST with the hidden period field set to `target` (a Period or raw text)."""
    data = {
        "status": "in_progress",
        "percent": "30",
        "progress": "召开推进会",
        "problems": "",
        "next_steps": "",
        "version": "0",
        "submit": "1",
        "period": str(target if isinstance(target, (str, int)) else target.pk),
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def later(clock, settings):
    """`later(day)`: jump to `day` with the accounts of 2024 still valid; log in again afterwards."""
    settings.PASSWORD_MAX_AGE_DAYS = 10 * 365
    return clock


def test_a_tampered_past_period_is_refused_and_audited(plan, measure, url, lead_client):
    response = lead_client.post(url, report_data(period(plan, "2023年第一季度")))

    assert response.status_code == 302
    assert not Report.objects.filter(measure=measure).exists()
    event = AuditEvent.objects.get(kind="period_refused")
    assert event.result == "denied" and event.username == "kewei"
    assert "2023年第一季度" in event.detail and "停止填报" in event.detail


@pytest.mark.parametrize("posted", ["999999", "-1", "abc", "99999999999999999999999", ""])
def test_a_made_up_period_is_refused_and_audited(plan, measure, url, lead_client, posted):
    response = lead_client.post(url, report_data(posted))

    assert response.status_code == 302
    assert not Report.objects.filter(measure=measure).exists()
    assert AuditEvent.objects.filter(kind="period_refused", detail__contains="填报周期无效").count() == 1


def test_another_plans_period_is_refused(plan, measure, url, lead_client):
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

    lead_client.post(url, report_data(foreign))

    assert not Report.objects.filter(measure=measure).exists()
    assert AuditEvent.objects.filter(kind="period_refused").exists()


def test_the_current_period_takes_reports(plan, measure, url, lead_client):
    response = lead_client.post(url, report_data(period(plan)))

    assert response.status_code == 302
    assert Report.objects.get(measure=measure).period.name == "2024年第一季度"
    assert not AuditEvent.objects.filter(kind="period_refused").exists()


def test_the_last_period_takes_reports_until_the_grace_days_after_its_due_date(
    plan, measure, url, lead_staff, client_for, later, settings
):
    settings.REPORTING_GRACE_DAYS = 15
    last = period(plan, "2025年第四季度")
    deadline = last.due_date + datetime.timedelta(days=15)
    assert periods.reporting_deadline(last) == deadline

    later(deadline)
    assert client_for(lead_staff).post(url, report_data(last, submit=None)).status_code == 302
    assert Report.objects.filter(measure=measure, period=last).exists()

    later(deadline + datetime.timedelta(days=1))
    browser = client_for(lead_staff)
    browser.post(url, report_data(last, version="1"))
    page = browser.get(url, follow=True).content.decode()
    assert Report.objects.get(measure=measure, period=last).state == "draft"
    assert "当前没有接受填报的周期" in page


def test_coordinator_opens_a_past_period_for_late_reporting(
    plan, measure, url, coordinator, lead_staff, client_for, later
):
    last = period(plan, "2025年第四季度")
    later(AFTER_THE_PLAN)
    response = client_for(coordinator).post(
        reverse("tasks:period_update", args=[last.pk]), {"action": "late", f"l{last.pk}-late_until": "2026-12-31"}
    )
    assert response.status_code == 302
    last.refresh_from_db()
    assert last.late_until == D(2026, 12, 31)
    assert AuditEvent.objects.get(kind="period_changed").detail == "“2025年第四季度”开放补报至 2026-12-31"

    browser = client_for(lead_staff)
    page = browser.get(url).content.decode()
    assert "周期：2025年第四季度" in page and "可填报至 2026-12-31" in page
    browser.post(url, report_data(last))
    assert Report.objects.get(measure=measure).period == last

    # Earlier quarters stay shut.
    browser.post(url, report_data(period(plan, "2025年第三季度")))
    assert Report.objects.filter(measure=measure).count() == 1


def test_late_reporting_ends_on_its_date(plan, url, lead_staff, client_for, later):
    last = period(plan, "2025年第四季度")
    last.late_until = D(2026, 12, 31)
    last.save()

    later(D(2027, 1, 1))
    client_for(lead_staff).post(url, report_data(last))

    assert not Report.objects.exists()
    assert "补报已于 2026-12-31 截止" in AuditEvent.objects.get(kind="period_refused").detail


def test_import_follows_the_same_rule(plan, coordinator, client_for, later):
    upload = io.BytesIO(b"PK\x03\x04 not really")
    upload.name = "台账.xlsx"
    later(AFTER_THE_PLAN)

    page = client_for(coordinator).post(reverse("tasks:import_status"), {"action": "preview", "file": upload})

    assert "没有可导入的行动方案或开放的填报周期" in page.content.decode()


def test_demo_without_history_leaves_a_period_open_for_reporting(plan, url, client_for, later, settings):
    """seed_demo --no-history: the empty plan's last quarter opened for late reporting.
    With its history, the final evaluation takes reports (tests/demo/test_seed_history.py)."""
    settings.DEBUG = True
    later(AFTER_THE_PLAN)
    call_command("seed_demo", no_history=True, stdout=io.StringIO(), stderr=io.StringIO())

    writable = periods.writable_periods(plan, timezone.localdate())

    assert [p.name for p in writable] == ["2025年第四季度"]
    assert writable[0].late_until == AFTER_THE_PLAN + datetime.timedelta(days=30)
    response = client_for(User.objects.get(username="kewei")).get(url)
    assert response.status_code == 200
    assert "周期：2025年第四季度" in response.content.decode()
