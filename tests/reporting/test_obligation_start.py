"""When an obligation starts (issue 10, point 8): a unit added in the middle of a period owes
its first report for the next period, or from a date the coordinator sets, and is never
overdue on the day it was added."""

import datetime

import pytest

from departments.models import CollectiveMembership
from tasks import obligations
from tasks.followup.reminders import pending_reminders
from tasks.models import Assignment, Report
from tasks.progress.rollup import Light, PlanProgress
from tests.conftest import make_user, measure_by_code

from .helpers import period, put_report, unit

D = datetime.date
Q1, Q2 = "2024年第一季度", "2024年第二季度"  # Q1 due 2024-04-10, Q2 starts 2024-04-01
AFTER_Q1_DUE = D(2024, 4, 11)


def set_member_start(collective_name, member_name, owed_from):
    link = CollectiveMembership.objects.get(collective__name=collective_name, member__name=member_name)
    link.owed_from = owed_from
    link.save()


def obligation_state(plan, measure, unit_name, period_name=Q1, today=AFTER_Q1_DUE):
    measure = measure_by_code(plan, measure.task.number, measure.number)  # fresh prefetch
    progress = PlanProgress(plan, period(plan, period_name), today=today)
    state = progress.states[measure.pk]
    found = [s for s in state.leads + state.supports + state.pending if s.obligation.unit.name == unit_name]
    assert len(found) == 1
    return progress, state, found[0]


# --- the rule, at its boundaries -------------------------------------------------------------------


@pytest.mark.parametrize(
    "owed_from, owes",
    [
        (None, True),  # loaded with the plan: owed from the start
        (D(2024, 1, 1), True),  # the period's first day: owed
        (D(2024, 1, 2), False),  # one day later: the next period
        (D(2024, 4, 1), False),  # the next period's start
    ],
)
def test_obligation_owes_a_period_that_starts_on_or_after_its_start_date(plan, owed_from, owes):
    owed = obligations.Obligation(measure_by_code(plan, 6, 1), unit("菊园新区管委会"), "lead", 1, owed_from=owed_from)
    assert owed.owes(period(plan, Q1)) is owes
    assert owed.owes(period(plan, Q2)) is True


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2024, 3, 20), D(2024, 4, 1)),  # in the middle of Q1: Q2
        (D(2024, 3, 31), D(2024, 4, 1)),  # Q1's last day: Q2
        (D(2024, 4, 1), D(2024, 7, 1)),  # Q2's first day, in Q1's reporting window: Q3
        (D(2024, 4, 5), D(2024, 7, 1)),
        (D(2025, 12, 31), D(2026, 1, 1)),  # no period after the plan: tomorrow
        (D(2026, 11, 28), D(2026, 11, 29)),
    ],
)
def test_a_unit_added_today_owes_from_the_next_period(plan, today, expected):
    assert obligations.default_owed_from(today) == expected


def test_collective_duty_starts_at_the_later_of_the_assignment_and_the_membership(plan):
    measure = measure_by_code(plan, 6, 1)  # led by 各街镇
    set_member_start("各街镇", "菊园新区管委会", D(2024, 4, 1))
    Assignment.objects.filter(measure=measure).update(owed_from=D(2024, 7, 1))
    later = [o for o in obligations.for_measure(measure_by_code(plan, 6, 1)) if o.unit.name == "菊园新区管委会"]
    Assignment.objects.filter(measure=measure).update(owed_from=D(2023, 1, 1))
    earlier = [o for o in obligations.for_measure(measure_by_code(plan, 6, 1)) if o.unit.name == "菊园新区管委会"]

    assert [o.owed_from for o in later] == [D(2024, 7, 1)]
    assert [o.owed_from for o in earlier] == [D(2024, 4, 1)]


# --- applied in progress: neither expected nor overdue nor red -----------------------------------


def test_member_added_mid_period_is_not_overdue_or_red_after_the_due_date(plan):
    set_member_start("各街镇", "菊园新区管委会", D(2024, 4, 1))
    measure = measure_by_code(plan, 6, 1)

    progress, state, juyuan = obligation_state(plan, measure, "菊园新区管委会")
    _, _, malu = obligation_state(plan, measure, "马陆镇")

    assert juyuan.owed is False
    assert juyuan.light == Light.GREEN
    assert not progress.is_overdue(juyuan)
    assert juyuan in state.pending and juyuan not in state.leads
    assert malu.owed is True and malu.light == Light.RED and progress.is_overdue(malu)


def test_member_owes_and_is_red_once_its_first_period_is_overdue(plan):
    set_member_start("各街镇", "菊园新区管委会", D(2024, 4, 1))
    measure = measure_by_code(plan, 6, 1)

    progress, state, juyuan = obligation_state(plan, measure, "菊园新区管委会", Q2, today=D(2024, 7, 11))

    assert juyuan.owed is True
    assert juyuan in state.leads
    assert juyuan.light == Light.RED
    assert progress.is_overdue(juyuan)


def test_missing_previous_report_is_not_held_against_a_member_who_did_not_owe_it(plan):
    set_member_start("各街镇", "菊园新区管委会", D(2024, 4, 1))
    measure = measure_by_code(plan, 6, 1)

    # Early in Q2's window: Q1 is past its due date, Q2 is not yet due.
    _, _, juyuan = obligation_state(plan, measure, "菊园新区管委会", Q2, today=D(2024, 5, 6))
    _, _, malu = obligation_state(plan, measure, "马陆镇", Q2, today=D(2024, 5, 6))

    assert juyuan.light != Light.RED
    assert malu.light == Light.RED  # it owed Q1 and did not report


def test_not_yet_owed_member_does_not_pull_down_its_measures_percent(plan):
    set_member_start("各街镇", "菊园新区管委会", D(2024, 4, 1))
    set_member_start("各街镇", "工业区管委会", D(2024, 4, 1))
    measure = measure_by_code(plan, 6, 1)
    for name in ["新成路街道", "真新街道", "嘉定镇街道", "南翔镇", "安亭镇"]:
        put_report(plan, measure, name, percent=60)

    _, state, _ = obligation_state(plan, measure, "菊园新区管委会")

    assert len(state.leads) == 10
    assert state.percent == 30.0  # 5 × 60 over the ten members who owe, not twelve


def test_member_that_reports_before_it_owes_counts_with_its_report(plan):
    set_member_start("各街镇", "菊园新区管委会", D(2024, 4, 1))
    measure = measure_by_code(plan, 6, 1)
    put_report(plan, measure, "菊园新区管委会", percent=100)

    _, state, juyuan = obligation_state(plan, measure, "菊园新区管委会")

    assert juyuan in state.leads
    assert juyuan.owed is False
    assert juyuan.light == Light.DONE


def test_direct_assignment_added_later_is_not_owed_before_its_date(plan):
    measure = measure_by_code(plan, 1, 1)  # 区科委 alone
    Assignment.objects.create(
        measure=measure,
        unit=unit("区教育局"),
        position=2,
        role=Assignment.Role.SUPPORT,
        printed_name="区教育局",
        owed_from=D(2024, 4, 1),
    )

    progress, _, education = obligation_state(plan, measure, "区教育局")

    assert education.owed is False
    assert not progress.is_overdue(education)


def added_to_both_collectives_for_q2(member_name="菊园新区管委会"):
    set_member_start("各街镇", member_name, D(2024, 4, 1))
    set_member_start("各相关街镇", member_name, D(2024, 4, 1))


def test_unit_summary_and_reporting_rate_leave_out_what_is_not_yet_owed(plan):
    added_to_both_collectives_for_q2()
    progress = PlanProgress(plan, period(plan, Q1), today=AFTER_Q1_DUE)

    juyuan = [s for s in progress.unit_summaries() if s.unit.name == "菊园新区管委会"][0]
    malu = [s for s in progress.unit_summaries() if s.unit.name == "马陆镇"][0]
    reporting = progress.reporting()

    assert juyuan.obligations == malu.obligations == 10  # nine 各街镇 measures and 9.(1) of 各相关街镇
    assert juyuan.overdue == 0
    assert malu.overdue == 10
    every = sum(len(o) for o in progress.obligations.values())
    assert reporting.owed == every - 10


def test_reminders_leave_out_obligations_not_yet_owed(plan):
    added_to_both_collectives_for_q2()
    make_user("juyuan", units=["菊园新区管委会"])
    make_user("malu", units=["马陆镇"])

    _, reminders = pending_reminders(plan, D(2024, 4, 8))

    assert {r.unit.name for r in reminders} == {"马陆镇"}


# --- on-time reporting rate -------------------------------------------------------------------------


def test_on_time_rate_counts_submissions_by_the_end_of_the_due_date(plan):
    quarter = period(plan, Q1)
    on_time = put_report(plan, measure_by_code(plan, 1, 1), "区科委", percent=40)
    late = put_report(plan, measure_by_code(plan, 1, 2), "区委宣传部", percent=40)
    returned = put_report(plan, measure_by_code(plan, 1, 3), "区商务委", percent=40, state=Report.State.RETURNED)
    due_evening = datetime.datetime(2024, 4, 10, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    Report.objects.filter(pk=on_time.pk).update(submitted_at=due_evening)
    Report.objects.filter(pk=late.pk).update(submitted_at=due_evening + datetime.timedelta(hours=1))

    reporting = PlanProgress(plan, quarter, today=AFTER_Q1_DUE).reporting()

    assert (reporting.submitted, reporting.on_time, reporting.returned) == (2, 1, 1)
    assert (reporting.late, reporting.never_sent) == (1, reporting.owed - 2)
    assert reporting.owed == reporting.on_time + reporting.late + reporting.never_sent
    assert reporting.on_time_rate == round(100 / reporting.owed, 1)
    assert returned.pk


def test_member_in_its_first_owed_period_is_not_red_for_being_behind_before_its_due_date(plan):
    set_member_start("各街镇", "菊园新区管委会", D(2024, 4, 1))
    measure = measure_by_code(plan, 6, 1)

    _, _, before_due = obligation_state(plan, measure, "菊园新区管委会", Q2, today=D(2024, 7, 10))
    _, _, next_period = obligation_state(plan, measure, "菊园新区管委会", "2024年第三季度", today=D(2024, 8, 1))

    assert before_due.light == Light.YELLOW  # due within 7 days, not 40 points behind
    assert next_period.light == Light.RED  # Q2 missed


def test_pages_say_when_a_not_yet_owed_obligation_starts(client_for, plan):
    set_member_start("各街镇", "菊园新区管委会", D(2099, 1, 1))
    client = client_for(make_user("juyuan", units=["菊园新区管委会"]))
    measure = measure_by_code(plan, 6, 1)

    my_page = client.get("/my/").content.decode()
    measure_page = client.get(f"/measures/{measure.pk}/").content.decode()

    assert "自2099-01-01起填报" in my_page
    assert "尚未到起报日期的单位" in measure_page and "菊园新区管委会（自 2099-01-01 起，牵头）" in measure_page
