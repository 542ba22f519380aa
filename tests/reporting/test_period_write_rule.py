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
from tasks import obligations, periods
from tasks.models import Evidence, Notification, Period, Plan, Report, Task
from tasks.reporting import workflow

from .helpers import TODAY, fields, form_data, obligation, period, save, upload

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
    # One record of the change, by the Period's tracking (tasks/apps.py), not a second one by the page.
    [record] = AuditEvent.objects.filter(kind="period_changed")
    assert (record.username, record.object_repr, record.detail) == (
        "coordinator",
        "2025年第四季度",
        "补报截止日期：空 → 2026-12-31",
    )

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
    kewei = client_for(User.objects.get(username="kewei"))
    response = kewei.get(url)
    assert response.status_code == 200
    assert "周期：2025年第四季度" in response.content.decode()
    # The units hear of it (站内消息 only), and the 待办 has work on it.
    [notice] = Notification.objects.filter(user__username="kewei")
    assert notice.kind == Notification.Kind.LATE_OPENED and notice.url == f"/?plan={plan.pk}&period={writable[0].pk}"
    todo = kewei.get("/").content.decode()
    assert "填报周期 <strong>2025年第四季度</strong>" in todo and "可填报（补报）至" in todo
    assert "待填报（7）" in todo or "已逾期未提交（7）" in todo
    assert notice.title in todo  # among the unread messages


# The rule and the daily loop: 撤回, 沿用上期, evidence deletion, 开放补报's notice, the 待办.

AFTER_Q1_DEADLINE = D(2024, 4, 26)  # 2024年第一季度: due 2024-04-10, taking reports until 04-25


def test_withdraw_stops_with_the_period(plan, measure, lead_staff, client_for, later):
    submitted = save(plan, measure, "区科委", lead_staff, submit=True)
    later(AFTER_Q1_DEADLINE)

    with pytest.raises(workflow.NotAllowed, match="停止填报"):
        workflow.withdraw(submitted, lead_staff, submitted.version, today=AFTER_Q1_DEADLINE)
    browser = client_for(lead_staff)
    page = browser.post(
        f"/measures/{measure.pk}/withdraw/?period={submitted.period_id}", {"version": submitted.version}, follow=True
    )

    assert "没有可以撤回的填报" in page.content.decode()
    assert Report.objects.get(pk=submitted.pk).state == "submitted"


def test_a_report_of_a_period_opened_for_late_reporting_is_withdrawn_there(
    plan, measure, lead_staff, client_for, later
):
    q4 = period(plan, "2023年第四季度")
    q4.late_until = D(2024, 3, 31)
    q4.save()
    owed = obligation(measure, "区科委")
    submitted = workflow.save_report(owed, q4, fields(), lead_staff, submit=True, version=0, today=TODAY)
    browser = client_for(lead_staff)

    confirm = browser.get(f"/measures/{measure.pk}/withdraw/?unit={owed.unit.pk}&period={q4.pk}").content.decode()
    assert "确定撤回区科委“2.(1)”2023年第四季度的填报吗？" in confirm
    assert f'name="period" value="{q4.pk}"' in confirm
    response = browser.post(
        f"/measures/{measure.pk}/withdraw/?unit={owed.unit.pk}&period={q4.pk}", {"version": submitted.version}
    )

    assert Report.objects.get(pk=submitted.pk).state == "draft"
    # Back on the form of that period, not the current one.
    assert response["Location"] == f"/measures/{measure.pk}/report/?unit={owed.unit.pk}&period={q4.pk}"


def test_evidence_is_deleted_only_while_its_period_takes_reports(plan, measure, lead_staff, client_for, later):
    owed = obligation(measure, "区科委")
    report = workflow.save_report(
        owed, period(plan), fields(), lead_staff, submit=True, version=0, evidence=[upload("纪要.pdf")]
    )
    evidence = report.evidence.get()
    later(AFTER_Q1_DEADLINE)

    with pytest.raises(workflow.NotAllowed, match="停止填报"):
        workflow.delete_evidence(evidence, lead_staff, today=AFTER_Q1_DEADLINE)
    browser = client_for(lead_staff)
    for response in [browser.get(f"/evidence/{evidence.pk}/delete/"), browser.post(f"/evidence/{evidence.pk}/delete/")]:
        assert response.status_code == 302
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_copying_last_quarter_into_a_period_opened_for_late_reporting(plan, measure, lead_staff, lead_client):
    q3, q4 = period(plan, "2023年第三季度"), period(plan, "2023年第四季度")
    q4.late_until = D(2024, 3, 31)
    q4.save()
    owed = obligation(measure, "区科委")
    workflow.save_report(owed, q3, fields(progress="三季度的进展"), lead_staff, submit=True, version=0)
    form = f"/measures/{measure.pk}/report/?unit={owed.unit.pk}&period={q4.pk}"

    page = lead_client.get(form).content.decode()
    assert "沿用上期（2023年第三季度）的填报内容" in page
    assert f'href="?unit={owed.unit.pk}&amp;period={q4.pk}&amp;copy=previous"' in page
    page = lead_client.get(form + "&copy=previous").content.decode()
    source = Report.objects.get(period=q3)
    assert f'name="copied_from" value="{source.pk}"' in page and f'name="period" value="{q4.pk}"' in page

    lead_client.post(form, {**form_data(progress="三季度的进展"), "period": q4.pk, "copied_from": source.pk})

    assert Report.objects.get(period=q4).copied_from == source


def test_no_copy_is_offered_where_the_period_takes_no_reports(plan, measure, lead_staff, lead_client):
    owed = obligation(measure, "区科委")
    workflow.save_report(owed, period(plan, "2023年第四季度"), fields(), lead_staff, submit=True, version=0)
    Period.objects.filter(pk=period(plan).pk).update(is_closed=True)

    response = lead_client.get(f"/measures/{measure.pk}/report/?unit={owed.unit.pk}&copy=previous", follow=True)

    assert "沿用上期" not in response.content.decode()
    assert "当前没有接受填报的周期" in response.content.decode()


def open_late(browser, target, day):
    return browser.post(
        reverse("tasks:period_update", args=[target.pk]), {"action": "late", f"l{target.pk}-late_until": day}
    )


def test_opening_a_past_period_for_late_reporting_tells_the_units_that_owe_reports(
    plan, lead_staff, co_organizer, coordinator, client_for, later
):
    q1 = period(plan)
    # 区委网信办 has reported everything it owed in 2024年第一季度; 区科委 nothing.
    for owed in obligations.for_units([co_organizer.memberships.get().unit], plan):
        workflow.save_report(owed, q1, fields(), co_organizer, submit=True, version=0)
    later(D(2024, 5, 20))
    browser = client_for(coordinator)

    open_late(browser, q1, "2024-05-31")

    [notice] = Notification.objects.filter(user=lead_staff)
    assert notice.kind == Notification.Kind.LATE_OPENED
    assert notice.title == "嘉府发〔2023〕2号 · 2024年第一季度已开放补报，补报截止日期 2024-05-31"
    assert "区科委尚未提交的措施：1.(1)、1.(3)、2.(1)" in notice.body
    assert notice.url == f"/?plan={plan.pk}&period={q1.pk}"
    assert not Notification.objects.filter(user=co_organizer).exists()
    assert AuditEvent.objects.filter(kind="period_changed").count() == 1

    # Stopping it tells nobody; a new date is news again.
    open_late(browser, q1, "")
    assert Notification.objects.filter(user=lead_staff).count() == 1
    open_late(browser, q1, "2024-06-15")
    assert Notification.objects.filter(user=lead_staff).count() == 2
    assert AuditEvent.objects.filter(kind="period_changed").count() == 3


def test_the_todo_shows_a_period_opened_for_late_reporting_when_asked(plan, lead_staff, client_for, later):
    q1, q2 = period(plan), period(plan, "2024年第二季度")
    q1.late_until = D(2024, 5, 31)
    q1.save()
    later(D(2024, 5, 20))
    browser = client_for(lead_staff)

    current = browser.get("/").content.decode()
    assert "填报周期 <strong>2024年第二季度</strong>" in current
    assert f'<a href="?period={q1.pk}">2024年第一季度</a>（补报至 2024-05-31）' in current

    late = browser.get(f"/?period={q1.pk}").content.decode()
    assert "填报周期 <strong>2024年第一季度</strong>" in late
    assert "可填报（补报）至 <strong>2024-05-31</strong>" in late
    assert f"&amp;period={q1.pk}" in late  # the cards open that period's form
    assert f'<a href="?period={q2.pk}">2024年第二季度</a>' in late
    # A period that takes no reports is not shown on request.
    shut = browser.get(f"/?period={period(plan, '2023年第四季度').pk}").content.decode()
    assert "填报周期 <strong>2024年第二季度</strong>" in shut
