"""Reporting periods: the quarterly defaults, Chinese working-day due dates, the current period, /periods/."""

import datetime

import chinese_calendar
import pytest
from django.test import Client

from tasks.models import Period
from tasks.periods import default_due_date, ensure_quarterly_periods
from tests.conftest import measure_by_code

from .helpers import period, snapshot

D = datetime.date

QUARTERS = [
    ("2023年第一季度", D(2023, 1, 1), D(2023, 3, 31), D(2023, 4, 10)),
    ("2023年第二季度", D(2023, 4, 1), D(2023, 6, 30), D(2023, 7, 10)),
    ("2023年第三季度", D(2023, 7, 1), D(2023, 9, 30), D(2023, 10, 10)),
    ("2023年第四季度", D(2023, 10, 1), D(2023, 12, 31), D(2024, 1, 10)),
    ("2024年第一季度", D(2024, 1, 1), D(2024, 3, 31), D(2024, 4, 10)),
    ("2024年第二季度", D(2024, 4, 1), D(2024, 6, 30), D(2024, 7, 10)),
    ("2024年第三季度", D(2024, 7, 1), D(2024, 9, 30), D(2024, 10, 10)),
    ("2024年第四季度", D(2024, 10, 1), D(2024, 12, 31), D(2025, 1, 10)),
    ("2025年第一季度", D(2025, 1, 1), D(2025, 3, 31), D(2025, 4, 10)),
    ("2025年第二季度", D(2025, 4, 1), D(2025, 6, 30), D(2025, 7, 10)),
    ("2025年第三季度", D(2025, 7, 1), D(2025, 9, 30), D(2025, 10, 10)),
    ("2025年第四季度", D(2025, 10, 1), D(2025, 12, 31), D(2026, 1, 12)),
]


@pytest.fixture
def reviewer(coordinator):
    browser = Client()
    browser.force_login(coordinator)
    return browser


def test_plan_has_twelve_quarterly_periods_due_ten_days_after_each_quarter(plan):
    rows = list(plan.periods.order_by("end_date").values_list("name", "start_date", "end_date", "due_date"))

    assert rows == QUARTERS
    assert set(plan.periods.values_list("kind", "is_closed")) == {(Period.Kind.QUARTER, False)}


@pytest.mark.parametrize("name, start, end, due", QUARTERS, ids=[q[0] for q in QUARTERS])
def test_each_due_date_is_the_first_chinese_working_day_from_ten_days_after_the_quarter(name, start, end, due):
    tenth = end + datetime.timedelta(days=10)

    assert chinese_calendar.is_workday(due)
    skipped = [tenth + datetime.timedelta(days=n) for n in range((due - tenth).days)]
    assert not any(chinese_calendar.is_workday(day) for day in skipped)


def test_fourth_quarter_2025_due_date_moves_from_saturday_to_monday():
    assert D(2026, 1, 10).weekday() == 5
    assert default_due_date(D(2025, 12, 31)) == D(2026, 1, 12)


def test_third_quarter_2023_due_date_is_on_the_tenth():
    assert default_due_date(D(2023, 9, 30)) == D(2023, 10, 10)


def test_due_date_skips_the_national_day_holiday():
    holiday = [D(2024, 10, day) for day in range(1, 8)]
    assert all(chinese_calendar.is_holiday(day) for day in holiday)
    assert chinese_calendar.is_workday(D(2024, 10, 8))

    assert default_due_date(D(2024, 9, 21)) == D(2024, 10, 8)


def test_due_date_can_fall_on_a_weekend_make_up_working_day():
    # 2024-09-29 is a Sunday worked in exchange for the National Day holiday (调休).
    assert D(2024, 9, 29).weekday() == 6
    assert chinese_calendar.is_workday(D(2024, 9, 29))

    assert default_due_date(D(2024, 9, 19)) == D(2024, 9, 29)


def test_due_date_skips_the_spring_festival_to_its_make_up_sunday():
    # +10 days is 2024-02-10, the first day of the Spring Festival holiday (Feb 10–17).
    assert default_due_date(D(2024, 1, 31)) == D(2024, 2, 18)
    assert D(2024, 2, 18).weekday() == 6


def test_beyond_the_calendar_data_due_dates_fall_back_to_monday_to_friday():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2099, 4, 11))

    # 2099-04-11 is a Saturday.
    assert D(2099, 4, 11).weekday() == 5
    assert default_due_date(D(2099, 4, 1)) == D(2099, 4, 13)


def test_creating_the_quarterly_periods_again_adds_nothing(plan):
    before = snapshot()["periods"]

    assert ensure_quarterly_periods(plan) == 0
    assert snapshot()["periods"] == before


# --- the current period ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, name",
    [
        (D(2024, 3, 20), "2024年第一季度"),
        (D(2024, 1, 1), "2023年第四季度"),  # the fourth quarter is due on 2024-01-10
        (D(2024, 1, 11), "2024年第一季度"),
        (D(2024, 3, 31), "2024年第一季度"),
        (D(2023, 12, 31), "2023年第四季度"),
        (D(2023, 1, 1), "2023年第一季度"),
        (D(2026, 3, 1), "2025年第四季度"),  # after the plan: the latest open period
    ],
)
def test_current_period_is_the_earliest_open_one_still_being_reported_else_the_latest_started(plan, today, name):
    assert Period.objects.current(plan, today).name == name


def test_closed_period_is_skipped_when_looking_for_the_current_one(plan):
    Period.objects.filter(name__in=["2025年第四季度", "2025年第三季度"]).update(is_closed=True)

    assert Period.objects.current(plan, D(2026, 3, 1)).name == "2025年第二季度"
    assert Period.objects.current(plan, D(2025, 11, 1)).name == "2025年第二季度"
    assert Period.objects.current(plan, D(2024, 3, 20)).name == "2024年第一季度"


def test_no_current_period_when_every_period_is_closed(plan):
    Period.objects.update(is_closed=True)

    assert Period.objects.current(plan, D(2024, 3, 20)) is None


def test_current_period_takes_one_query(plan, django_assert_num_queries):
    with django_assert_num_queries(1):
        Period.objects.current(plan, D(2024, 3, 20))


# --- /periods/ ---------------------------------------------------------------------------------


def test_periods_page_lists_every_period_and_marks_the_current_one(plan, reviewer):
    response = reviewer.get("/periods/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "当前周期：2024年第一季度" in page
    for name, start, end, due in QUARTERS:
        assert f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" in page
    assert page.count("当前</span>") == 1
    # Only the current period takes reports; the others are open but past or not yet begun.
    assert page.count('<span class="state approved">接受填报</span>') == 1
    assert page.count("开放，不接受填报</td>") == 11


def test_due_date_inputs_carry_an_iso_value_a_date_input_can_show(plan, reviewer):
    page = reviewer.get("/periods/").content.decode()

    for quarter in plan.periods.all():
        assert f'type="date" name="p{quarter.pk}-due_date" value="{quarter.due_date:%Y-%m-%d}"' in page


def test_coordinator_changes_a_due_date(plan, reviewer, lead_staff, client):
    quarter = period(plan)

    response = reviewer.post(
        f"/periods/{quarter.pk}/", {"action": "due", f"p{quarter.pk}-due_date": "2024-04-15"}, follow=True
    )

    assert response.redirect_chain == [("/periods/", 302)]
    assert "“2024年第一季度”的截止日期已改为 2024-04-15。" in response.content.decode()
    assert period(plan).due_date == D(2024, 4, 15)
    assert Period.objects.get(name="2024年第二季度").due_date == D(2024, 7, 10)
    client.force_login(lead_staff)
    assert "截止 <strong>2024-04-15</strong>" in client.get("/my/").content.decode()


def test_invalid_due_date_is_refused_and_nothing_changes(plan, reviewer):
    quarter = period(plan)
    before = snapshot()

    response = reviewer.post(
        f"/periods/{quarter.pk}/", {"action": "due", f"p{quarter.pk}-due_date": "四月十五日"}, follow=True
    )

    assert "“2024年第一季度”的截止日期无效，未修改。" in response.content.decode()
    assert snapshot() == before


FINAL = {
    "new-name": "终期评估",
    "new-kind": "final",
    "new-start_date": "2026-01-01",
    "new-end_date": "2026-06-30",
    "new-due_date": "2026-07-10",
}


def test_coordinator_adds_a_final_evaluation_period(plan, reviewer, lead_staff, client, freeze_today):
    response = reviewer.post("/periods/", FINAL, follow=True)

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
    freeze_today(D(2026, 3, 1))
    client.force_login(lead_staff)
    form = client.get(f"/measures/{measure_by_code(plan, 1, 1).pk}/report/").content.decode()
    assert "周期：终期评估，截止 2026-07-10" in form


def test_duplicate_period_name_is_refused_with_a_chinese_message(plan, reviewer):
    before = snapshot()

    response = reviewer.post("/periods/", {**FINAL, "new-name": "2024年第一季度"})

    assert response.status_code == 200
    assert "本方案已有同名的填报周期。" in response.content.decode()
    assert snapshot() == before


def test_period_ending_before_it_starts_is_refused(plan, reviewer):
    before = snapshot()

    response = reviewer.post("/periods/", {**FINAL, "new-end_date": "2025-12-01"})

    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in response.content.decode()
    assert snapshot() == before


def test_coordinator_closes_a_period_and_it_is_no_longer_current(plan, reviewer):
    quarter = period(plan)

    response = reviewer.post(f"/periods/{quarter.pk}/", {"action": "close"}, follow=True)

    assert "已关闭“2024年第一季度”。" in response.content.decode()
    assert period(plan).is_closed
    assert Period.objects.filter(is_closed=True).count() == 1
    assert Period.objects.current(plan, D(2024, 3, 20)) != period(plan)
    assert "当前周期：2024年第一季度" not in response.content.decode()


def test_in_the_days_before_a_quarters_due_date_units_report_on_that_quarter(plan, client, lead_staff, freeze_today):
    freeze_today(D(2024, 4, 5))
    client.force_login(lead_staff)

    page = client.get("/my/").content.decode()

    assert "当前填报周期：<strong>2024年第一季度</strong>，截止 <strong>2024-04-10</strong>" in page
