"""Reporting periods (tasks/periods.py, Period.objects.current): the quarterly defaults,
Chinese working-day due dates, and which period is current."""

import datetime

import chinese_calendar
import pytest

from tasks.models import Period
from tasks.periods import default_due_date, ensure_quarterly_periods

from .helpers import snapshot

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
