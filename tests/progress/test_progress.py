"""Expected progress (序时进度), traffic lights and rollups: tasks/progress.py."""

import datetime

import pytest

from tasks.models import Report
from tasks.progress.rollup import Light, PlanProgress, expected_percent, light_for
from tests.conftest import measure_by_code
from tests.reporting.helpers import TODAY, period, put_report
from tests.tasks.plan_facts import TWELVE_JIEZHEN

D = datetime.date


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2022, 12, 31), 0.0),  # before the plan starts
        (D(2020, 6, 1), 0.0),
        (D(2023, 1, 1), 0.1),  # the first day counts: 1 of 1096 days
        (D(2024, 7, 1), 50.0),  # 548 of 1096 days
        (D(2024, 3, 20), 40.6),  # 445 of 1096 days
        (D(2025, 12, 31), 100.0),  # the last day
        (D(2026, 1, 1), 100.0),  # after the end
        (D(2030, 1, 1), 100.0),
    ],
)
def test_expected_percent_is_the_share_of_plan_days_elapsed(plan, today, expected):
    assert (plan.start_date, plan.end_date) == (D(2023, 1, 1), D(2025, 12, 31))

    assert expected_percent(plan, today) == expected


DUE = D(2024, 4, 10)


FAR = D(2024, 2, 1)  # 69 days before DUE


def light(*, status=Report.Status.IN_PROGRESS, percent=40, expected=40.0, submitted=True, due_date=DUE, today=FAR):
    """The light of an obligation owed in a period due on `due_date`, seen on `today`
    (judgement.Standing: missing after the due date is overdue, within 7 days due soon)."""
    missing = not submitted and due_date is not None
    overdue = missing and today > due_date
    due_soon = missing and not overdue and (due_date - today).days <= 7
    return light_for(status=status, percent=percent, expected=expected, overdue=overdue, due_soon=due_soon)


@pytest.mark.parametrize(
    "expected, light_wanted",
    [
        (49.9, Light.GREEN),  # 9.9 behind
        (50.0, Light.YELLOW),  # exactly 10 behind
        (70.0, Light.YELLOW),  # exactly 30 behind
        (70.1, Light.RED),  # 30.1 behind
        (40.0, Light.GREEN),  # on schedule
        (20.0, Light.GREEN),  # ahead
    ],
)
def test_light_by_gap_to_expected_progress(expected, light_wanted):
    assert light(percent=40, expected=expected) == light_wanted


@pytest.mark.parametrize(
    "days_before_due, light_wanted",
    [
        (8, Light.GREEN),
        (7, Light.YELLOW),
        (1, Light.YELLOW),
        (0, Light.YELLOW),  # due today
        (-1, Light.RED),  # one day late
        (-30, Light.RED),
    ],
)
def test_light_of_a_report_not_yet_submitted_by_days_to_due_date(days_before_due, light_wanted):
    today = DUE - datetime.timedelta(days=days_before_due)

    assert light(submitted=False, today=today) == light_wanted


@pytest.mark.parametrize(
    "expected, light_wanted",
    [(45.0, Light.GREEN), (55.0, Light.YELLOW), (75.0, Light.RED)],
)
def test_light_past_due_but_submitted_depends_only_on_the_gap(expected, light_wanted):
    assert light(submitted=True, today=DUE + datetime.timedelta(days=5), expected=expected) == light_wanted


def test_light_of_a_submitted_report_due_tomorrow_is_green_when_on_track():
    assert light(submitted=True, today=DUE - datetime.timedelta(days=1)) == Light.GREEN


def test_status_late_is_red_even_when_on_track():
    assert light(status=Report.Status.LATE, percent=40, expected=40.0) == Light.RED


def test_status_done_is_done_when_nothing_is_owed_and_red_when_a_report_is_overdue():
    assert light_for(status=Report.Status.DONE, percent=100, expected=100.0) == Light.DONE
    # A final evaluation is owed even of a measure done before: missing after its due date, it is red.
    assert light_for(status=Report.Status.DONE, percent=100, expected=100.0, overdue=True) == Light.RED


def test_no_report_at_all_counts_as_zero_percent():
    assert light(status=None, percent=None, expected=9.9) == Light.GREEN
    assert light(status=None, percent=None, expected=10.0) == Light.YELLOW
    assert light(status=None, percent=None, expected=30.1) == Light.RED


def test_without_a_period_only_the_gap_matters():
    assert light(submitted=False, due_date=None, today=D(2030, 1, 1)) == Light.GREEN


def progress_at(plan, period_name="2024年第一季度", today=TODAY):
    return PlanProgress(plan, period(plan, period_name), today=today)


def test_measure_percent_is_the_leads_latest_official_report(plan):
    measure = measure_by_code(plan, 1, 1)
    put_report(plan, measure, "区科委", period_name="2023年第四季度", percent=40, state=Report.State.APPROVED)
    current = put_report(plan, measure, "区科委", percent=60, state=Report.State.SUBMITTED)

    state = progress_at(plan).states[measure.pk]

    assert state.percent == 60.0
    assert state.latest_report == current
    assert [s.obligation.unit.name for s in state.leads] == ["区科委"]


@pytest.mark.parametrize("state", [Report.State.DRAFT, Report.State.RETURNED])
def test_drafts_and_returned_reports_do_not_count(plan, state):
    measure = measure_by_code(plan, 1, 1)
    put_report(plan, measure, "区科委", period_name="2023年第四季度", percent=40, state=Report.State.APPROVED)
    put_report(plan, measure, "区科委", percent=90, state=state)

    measure_state = progress_at(plan).states[measure.pk]

    assert measure_state.percent == 40.0
    assert measure_state.leads[0].current.percent == 90  # shown as this period's report, not counted
    assert not measure_state.leads[0].submitted


def test_lead_without_any_report_counts_as_zero(plan):
    measure = measure_by_code(plan, 1, 1)
    put_report(plan, measure, "区科委", percent=70, state=Report.State.DRAFT)

    assert progress_at(plan).states[measure.pk].percent == 0.0


def test_co_organizer_reports_show_beside_but_do_not_move_the_measure(plan):
    measure = measure_by_code(plan, 1, 3)  # led by 区商务委; 区科委 co-organizes
    put_report(plan, measure, "区科委", percent=100, state=Report.State.APPROVED)
    put_report(plan, measure, "区商务委", percent=20)

    state = progress_at(plan).states[measure.pk]

    assert state.percent == 20.0
    supports = {s.obligation.unit.name: s.percent for s in state.supports}
    assert supports == {"区文化旅游局": 0, "区科委": 100, "区委宣传部": 0}


def test_measure_with_four_leads_is_the_mean_of_the_four(plan):
    measure = measure_by_code(plan, 5, 2)  # 江桥镇、南翔镇、安亭镇、北虹办 each lead their part
    put_report(plan, measure, "江桥镇", percent=100)
    put_report(plan, measure, "南翔镇", percent=50)
    put_report(plan, measure, "北虹办", percent=50)
    put_report(plan, measure, "区商务委", percent=100)  # a co-organizer: ignored

    state = progress_at(plan).states[measure.pk]

    assert [s.obligation.unit.name for s in state.leads] == ["江桥镇", "南翔镇", "安亭镇", "北虹办"]
    assert state.percent == 50.0


def test_collective_lead_is_the_mean_over_its_twelve_members(plan):
    measure = measure_by_code(plan, 6, 1)  # led by 各街镇
    put_report(plan, measure, "江桥镇", percent=100)
    put_report(plan, measure, "南翔镇", percent=50)
    put_report(plan, measure, "真新街道", percent=20)

    state = progress_at(plan).states[measure.pk]

    assert {s.obligation.unit.name for s in state.leads} == TWELVE_JIEZHEN
    assert state.percent == 14.2  # 170 / 12


def test_measure_is_done_only_when_every_lead_is_done(plan):
    measure = measure_by_code(plan, 5, 2)
    for name in ["江桥镇", "南翔镇", "安亭镇"]:
        put_report(plan, measure, name, percent=100)

    assert progress_at(plan).states[measure.pk].light != Light.DONE
    put_report(plan, measure, "北虹办", percent=100)
    assert progress_at(plan).states[measure.pk].light == Light.DONE


def test_measure_light_is_red_when_a_lead_is_marked_late(plan):
    measure = measure_by_code(plan, 1, 1)
    put_report(plan, measure, "区科委", percent=45, status=Report.Status.LATE)

    assert progress_at(plan).states[measure.pk].light == Light.RED


def test_task_is_the_mean_of_its_measures_and_plan_the_mean_of_its_tasks(plan):
    put_report(plan, measure_by_code(plan, 2, 1), "区科委", percent=60)
    put_report(plan, measure_by_code(plan, 2, 2), "区科委", percent=30)
    put_report(plan, measure_by_code(plan, 1, 1), "区科委", percent=50)

    progress = progress_at(plan)

    tasks = {task.number: percent for task, _, percent in progress.task_rows()}
    assert tasks[2] == 45.0  # (60 + 30) / 2 measures
    assert tasks[1] == 10.0  # 50 / 5 measures
    assert tasks[3] == 0.0
    assert progress.plan_percent == 5.0  # (45 + 10) / 11 tasks


def test_past_period_progress_ignores_later_reports(plan):
    measure = measure_by_code(plan, 1, 1)
    put_report(plan, measure, "区科委", period_name="2023年第三季度", percent=30)
    put_report(plan, measure, "区科委", period_name="2024年第一季度", percent=80, state=Report.State.APPROVED)

    then = progress_at(plan, "2023年第四季度", today=D(2023, 12, 1))
    now = progress_at(plan)

    assert then.states[measure.pk].percent == 30.0
    assert then.states[measure.pk].leads[0].current is None
    assert now.states[measure.pk].percent == 80.0


def test_later_period_wins_over_a_more_recently_updated_earlier_one(plan):
    measure = measure_by_code(plan, 1, 1)
    put_report(plan, measure, "区科委", period_name="2024年第一季度", percent=80)
    put_report(plan, measure, "区科委", period_name="2023年第四季度", percent=30)  # written later

    assert progress_at(plan).states[measure.pk].percent == 80.0


def test_missing_report_after_the_due_date_is_red_and_a_submitted_one_is_not(plan):
    quarter = period(plan)
    after_due = quarter.due_date + datetime.timedelta(days=1)
    missing, submitted = measure_by_code(plan, 2, 2), measure_by_code(plan, 2, 1)
    # Both were on track last quarter; only 2.(1) has reported for this one.
    put_report(plan, missing, "区科委", period_name="2023年第四季度", percent=45, state=Report.State.APPROVED)
    put_report(plan, submitted, "区科委", percent=45)

    progress = PlanProgress(plan, quarter, today=after_due)

    # Another period is current: this one is shown as of its due date (periods.as_of), and judged at its end.
    assert progress.today == quarter.due_date
    assert progress.expected == 42.5
    assert progress.states[missing.pk].light == Light.RED
    assert progress.states[submitted.pk].light == Light.GREEN
