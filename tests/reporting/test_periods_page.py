"""/periods/ and /periods/<pk>/: the coordinator adds periods, changes due dates, closes and reopens them."""

import datetime

from tasks.models import Period, ReportEvent
from tests.conftest import measure_by_code
from tests.helpers import FINAL_PERIOD_FORM

from .helpers import form_data, period, save, snapshot
from .test_periods import QUARTERS

D = datetime.date
PROGRESS = "已召开专题推进会，梳理重点企业名单。"


def test_periods_page_lists_every_period_and_marks_the_current_one(plan, coordinator_client):
    response = coordinator_client.get("/periods/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "当前周期：2024年第一季度" in page
    for _name, start, end, _due in QUARTERS:
        assert f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" in page
    assert page.count("当前</span>") == 1
    # Only the current period takes reports; the others are open but past or not yet begun.
    assert page.count('<span class="state approved">接受填报</span>') == 1
    assert page.count("开放，不接受填报</td>") == 11


def test_due_date_inputs_carry_an_iso_value_a_date_input_can_show(plan, coordinator_client):
    page = coordinator_client.get("/periods/").content.decode()

    for quarter in plan.periods.all():
        assert f'type="date" name="p{quarter.pk}-due_date" value="{quarter.due_date:%Y-%m-%d}"' in page


def test_coordinator_changes_a_due_date(plan, coordinator_client, lead_staff, client):
    quarter = period(plan)

    response = coordinator_client.post(
        f"/periods/{quarter.pk}/", {"action": "due", f"p{quarter.pk}-due_date": "2024-04-15"}, follow=True
    )

    assert response.redirect_chain == [("/periods/", 302)]
    assert "“2024年第一季度”的截止日期已改为 2024-04-15。" in response.content.decode()
    assert period(plan).due_date == D(2024, 4, 15)
    assert Period.objects.get(name="2024年第二季度").due_date == D(2024, 7, 10)
    client.force_login(lead_staff)
    assert "截止 <strong>2024-04-15</strong>" in client.get("/my/").content.decode()


def test_invalid_due_date_is_refused_and_nothing_changes(plan, coordinator_client):
    quarter = period(plan)
    before = snapshot()

    response = coordinator_client.post(
        f"/periods/{quarter.pk}/", {"action": "due", f"p{quarter.pk}-due_date": "四月十五日"}, follow=True
    )

    assert "“2024年第一季度”的截止日期无效，未修改。" in response.content.decode()
    assert snapshot() == before


def test_coordinator_adds_a_final_evaluation_period(plan, coordinator_client, lead_staff, client, clock, settings):
    response = coordinator_client.post("/periods/", FINAL_PERIOD_FORM, follow=True)

    assert response.redirect_chain == [("/periods/", 302)]
    assert "已新增填报周期“终期评估”。" in response.content.decode()
    final = Period.objects.get(plan=plan, name="终期评估")
    assert (final.kind, final.start_date, final.end_date, final.due_date, final.is_closed) == (
        Period.Kind.FINAL,
        D(2026, 1, 1),
        D(2026, 6, 30),
        D(2026, 7, 10),
        False,
    )
    assert plan.periods.count() == 13
    # Once it has begun, units report into it.
    settings.PASSWORD_MAX_AGE_DAYS = 10 * 365  # the accounts of 2024 keep their passwords past the clock's jump
    clock(D(2026, 3, 1))
    client.force_login(lead_staff)
    form = client.get(f"/measures/{measure_by_code(plan, 1, 1).pk}/report/").content.decode()
    assert "周期：终期评估，截止 2026-07-10" in form


def test_duplicate_period_name_is_refused_with_a_chinese_message(plan, coordinator_client):
    before = snapshot()

    response = coordinator_client.post("/periods/", {**FINAL_PERIOD_FORM, "new-name": "2024年第一季度"})

    assert response.status_code == 200
    assert "本方案已有同名的填报周期。" in response.content.decode()
    assert snapshot() == before


def test_period_ending_before_it_starts_is_refused(plan, coordinator_client):
    before = snapshot()

    response = coordinator_client.post("/periods/", {**FINAL_PERIOD_FORM, "new-end_date": "2025-12-01"})

    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in response.content.decode()
    assert snapshot() == before


def test_coordinator_closes_a_period_and_it_is_no_longer_current(plan, coordinator_client):
    quarter = period(plan)

    response = coordinator_client.post(f"/periods/{quarter.pk}/", {"action": "close"}, follow=True)

    assert "已关闭“2024年第一季度”。" in response.content.decode()
    assert period(plan).is_closed
    assert Period.objects.filter(is_closed=True).count() == 1
    assert Period.objects.current(plan, D(2024, 3, 20)) != period(plan)
    assert "当前周期：2024年第一季度" not in response.content.decode()


def test_closing_the_current_period_stops_edits_to_its_reports(
    plan, measure, url, lead_client, coordinator_client, lead_staff
):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    quarter = period(plan)

    response = coordinator_client.post(f"/periods/{quarter.pk}/", {"action": "close"}, follow=True)

    assert "已关闭“2024年第一季度”。" in response.content.decode()
    assert period(plan).is_closed
    events_before = ReportEvent.objects.count()

    lead_client.post(url, form_data(version=draft.version, submit=True, progress="关闭后修改"))

    draft.refresh_from_db()
    assert (draft.progress, draft.state, draft.version) == (PROGRESS, "draft", 1)
    assert ReportEvent.objects.count() == events_before


def test_reopening_a_closed_period_lets_the_unit_edit_again(
    plan, measure, url, lead_client, coordinator_client, lead_staff
):
    draft = save(plan, measure, "区科委", lead_staff, submit=False)
    quarter = period(plan)
    coordinator_client.post(f"/periods/{quarter.pk}/", {"action": "close"})

    response = coordinator_client.post(f"/periods/{quarter.pk}/", {"action": "open"}, follow=True)

    assert "已重新开放“2024年第一季度”。" in response.content.decode()
    assert not period(plan).is_closed
    response = lead_client.post(url, form_data(version=draft.version, submit=True, progress="重新开放后提交"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.progress, draft.state, draft.version) == ("重新开放后提交", "submitted", 2)


def test_in_the_days_before_a_quarters_due_date_units_report_on_that_quarter(plan, client, lead_staff, clock):
    clock(D(2024, 4, 5))
    client.force_login(lead_staff)

    page = client.get("/my/").content.decode()

    assert "当前填报周期：<strong>2024年第一季度</strong>，截止 <strong>2024-04-10</strong>" in page
