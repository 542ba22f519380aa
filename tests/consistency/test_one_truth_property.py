"""One truth at every moment, as a property (issue 18).

Hypothesis writes a history into a second plan running beside the bundled one — reports on
time and late, returned and resubmitted, returned and left, withdrawn, approved and reopened,
never sent; final evaluations submitted, returned and approved; a town added to 各街镇 in the
middle of the plan — and picks a "today" anywhere from before the plan's first period to after
its final evaluation. Then, for every period that has started, every output is read as a
person reads it (tests/outputs.py: pages' HTML, the 台账 through openpyxl, the 通报 and the
终期评估报告 through python-docx) and must say the same thing:

- /measures/ of the period and its 台账 (reading sheet, 汇总) give each measure the same status
  and light, and the same lights per task;
- the 通报 of the period gives the counts of an oracle written here from the history alone
  (owed = on time + late + never sent + waiting, nothing late or named before the due date),
  and so does the 台账's 汇总 for each unit's 逾期未报;
- for the current period, the dashboard, /units/, /tasks/, the unit staff's 待办 and the day's
  reminders agree with those;
- over the plan, the 终期评估报告 and /units/ give the oracle's on-time rates.

The oracle restates the README's rule table from the history, without the application's
code; the examples are few and fixed (derandomize) so that CI runs them in a minute or two
on SQLite and PostgreSQL alike.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.models import CollectiveMembership, Unit
from tasks import obligations, periods
from tasks.followup.reminders import pending_reminders
from tasks.models import Assignment, Measure, Period, Plan, Report, Task
from tests.conftest import make_user
from tests.helpers import rolled_back
from tests.outputs import (
    dashboard,
    document_text,
    measures_page,
    number_after,
    plan_page_lights,
    reading_lights,
    reading_statuses,
    status_sheet,
    todo_counts,
    units_and_rates,
)

D = datetime.date
DOC_NUMBER = "嘉府发〔2024〕5号"
START, END = D(2024, 1, 1), D(2024, 12, 31)
FINAL_DATES = (D(2025, 1, 15), D(2025, 2, 28), D(2025, 3, 10))  # start, end, due
# (task, measure, [(unit, role)]): a lead with a co-organizer, a lead with every town as
# co-organizers (各街镇), and a unit that leads one measure and co-organizes another.
MEASURES = [
    (1, 1, [("区科委", "lead"), ("区委宣传部", "support")]),
    (1, 2, [("区委宣传部", "lead"), ("各街镇", "support")]),
    (2, 1, [("区经委", "lead"), ("区科委", "support")]),
]
ADDED_TOWN = "北虹办"  # not a member of 各街镇 until an admin adds it
STAFF_UNIT = "区科委"
SLOTS = 2 + 14 + 2  # obligations at most: 1.(2) has the twelve towns and perhaps the added one
OFFICIAL = {Report.State.SUBMITTED, Report.State.APPROVED}

QUARTER_FATES = [
    "none",
    "none",
    "on_time",
    "on_time",
    "approved",
    "late",
    "late_approved",
    "returned",
    "resubmitted_on_time",
    "resubmitted_late",
    "withdrawn",
    "reopened",
]
FINAL_FATES = ["none", "submitted", "returned", "approved", "late"]
quarter = st.tuples(st.sampled_from(QUARTER_FATES), st.sampled_from([0, 20, 50, 80, 100]), st.booleans())
final = st.tuples(st.sampled_from(FINAL_FATES), st.sampled_from(Report.Completion.values))
history = st.fixed_dictionaries(
    {
        "today": st.dates(D(2023, 12, 1), D(2025, 4, 30)),
        "quarters": st.lists(st.lists(quarter, min_size=4, max_size=4), min_size=SLOTS, max_size=SLOTS),
        "finals": st.lists(final, min_size=3, max_size=3),
        "final_period": st.booleans(),
        "town_from": st.sampled_from([None, 1, 2, 3]),  # the quarter from which 北虹办 owes, if added
    }
)


def build_plan(final_period, town_from):
    """The second plan: three measures, four quarters, perhaps a 终期评估 and 北虹办 in 各街镇."""
    plan = Plan.objects.create(
        doc_number=DOC_NUMBER, title="嘉定区广告业一致性检验行动方案（2024年）", start_date=START, end_date=END
    )
    for task_number, number, units in MEASURES:
        task, _ = Task.objects.get_or_create(plan=plan, number=task_number, defaults={"title": f"任务{task_number}"})
        measure = Measure.objects.create(task=task, number=number, text=f"措施{task_number}-{number}。", due_date=END)
        for position, (name, role) in enumerate(units, start=1):
            unit = Unit.objects.get(name=name)
            Assignment.objects.create(measure=measure, unit=unit, position=position, role=role, printed_name=name)
    periods.ensure_quarterly_periods(plan)
    quarters = list(Period.objects.filter(plan=plan).order_by("start_date"))
    if final_period:
        start, end, due = FINAL_DATES
        Period.objects.create(
            plan=plan, name="终期评估", kind=Period.Kind.FINAL, start_date=start, end_date=end, due_date=due
        )
    if town_from is not None:
        CollectiveMembership.objects.create(
            collective=Unit.objects.get(name="各街镇"),
            member=Unit.objects.get(name=ADDED_TOWN),
            owed_from=quarters[town_from].start_date,
        )
    return plan


def quarter_steps(fate, period):
    """[(day, state, submits)] of a quarterly report's life."""
    end, due = period.end_date, period.due_date
    day = datetime.timedelta
    return {
        "none": [],
        "on_time": [(end + day(2), "submitted", True)],
        "approved": [(end + day(2), "submitted", True), (end + day(5), "approved", False)],
        "late": [(due + day(4), "submitted", True)],
        "late_approved": [(due + day(2), "submitted", True), (due + day(6), "approved", False)],
        "returned": [(end + day(1), "submitted", True), (end + day(3), "returned", False)],
        "resubmitted_on_time": [
            (end + day(1), "submitted", True),
            (end + day(2), "returned", False),
            (end + day(4), "submitted", True),
        ],
        "resubmitted_late": [
            (end + day(1), "submitted", True),
            (due - day(1), "returned", False),
            (due + day(3), "submitted", True),
        ],
        "withdrawn": [(end + day(1), "submitted", True), (end + day(2), "draft", False)],
        "reopened": [
            (end + day(2), "submitted", True),
            (end + day(4), "approved", False),
            (due + day(5), "returned", False),
        ],
    }[fate]


def final_steps(fate, period):
    start, due = period.start_date, period.due_date
    day = datetime.timedelta
    return {
        "none": [],
        "submitted": [(start + day(3), "submitted", True)],
        "returned": [(start + day(3), "submitted", True), (start + day(5), "returned", False)],
        "approved": [(start + day(3), "submitted", True), (start + day(6), "approved", False)],
        "late": [(due + day(2), "submitted", True)],
    }[fate]


@dataclass
class Fact:
    """One obligation's report in one period, as it stands today."""

    state: str
    status: str
    submitted_on: datetime.date | None


def as_of_today(steps, today):
    """(state, last submission day) after the steps that happened by today, or None."""
    done = [step for step in steps if step[0] <= today]
    if not done:
        return None
    submissions = [d for d, _, submits in done if submits]
    return done[-1][1], submissions[-1] if submissions else None


def write_history(plan, drawn, today):
    """The reports as they stand today, written straight to the database; {(key, period pk): Fact}."""
    members = obligations.collective_members()
    owed = [o for m in plan_measures(plan) for o in obligations.for_measure(m, members)]
    plan_periods = list(Period.objects.filter(plan=plan).order_by("end_date"))
    facts, rows = {}, []
    leads = [o for o in owed if o.is_lead]
    for slot, obligation in enumerate(owed):
        for period in plan_periods:
            if period.kind == Period.Kind.FINAL:
                if not obligation.is_lead:
                    continue
                fate, completion = drawn["finals"][leads.index(obligation)]
                steps, status = final_steps(fate, period), Report.COMPLETION_STATUS[completion]
                percent = 100 if status == Report.Status.DONE else 70
            else:
                fate, percent, behind = drawn["quarters"][slot][plan_periods.index(period)]
                steps, completion = quarter_steps(fate, period), ""
                status = (
                    Report.Status.DONE
                    if percent == 100
                    else Report.Status.NOT_STARTED
                    if percent == 0
                    else Report.Status.LATE
                    if behind
                    else Report.Status.IN_PROGRESS
                )
            now = as_of_today(steps, today)
            if now is None:
                continue
            state, submitted_on = now
            facts[(obligation.key, period.pk)] = Fact(state, status, submitted_on)
            rows.append(
                Report(
                    measure=obligation.measure,
                    unit=obligation.unit,
                    period=period,
                    role=obligation.role,
                    state=state,
                    status=status,
                    percent=percent,
                    completion=completion,
                    progress=f"{obligation.unit.name}{period.name}进展。",
                    review_comment="请补充。" if state == "returned" else "",
                    submitted_at=moment(submitted_on),
                )
            )
    Report.objects.bulk_create(rows)
    return owed, facts


def moment(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0))) if day else None


def plan_measures(plan):
    return list(Measure.objects.filter(task__plan=plan).select_related("task").with_assignments().in_document_order())


# --- The oracle: the README's rule table, from the history alone ----------------------------------


def owes(obligation, period):
    if period.kind == Period.Kind.FINAL and not obligation.is_lead:
        return False
    return obligation.owed_from is None or period.start_date >= obligation.owed_from


def shown_day(period, plan_periods, today):
    """periods.as_of: a period no longer current is shown as of its due date."""
    if period.due_date < today and period.end_date < today:
        current = Period.objects.current(period.plan, today)
        if current is not None and current.pk != period.pk:
            return period.due_date
    return today


def standing(obligation, period, facts, plan_periods, today):
    """(owed, counted, on time, closed, returned) of one obligation in one period."""
    fact = facts.get((obligation.key, period.pk))
    counted = fact is not None and fact.state in OFFICIAL
    earlier = [
        (p.end_date, facts[(obligation.key, p.pk)])
        for p in plan_periods
        if p.end_date < period.start_date
        and facts.get((obligation.key, p.pk))
        and facts[(obligation.key, p.pk)].state in OFFICIAL
    ]
    done_before = (
        period.kind != Period.Kind.FINAL
        and not counted
        and bool(earlier)
        and max(earlier, key=lambda e: e[0])[1].status == Report.Status.DONE
    )
    owed = owes(obligation, period) and not done_before
    on_time = counted and fact.submitted_on <= period.due_date
    return owed, counted, on_time, today > period.due_date, fact is not None and fact.state == "returned"


def oracle(owed_list, facts, period, plan_periods, today):
    """The period's counts, and per unit: overdue now, and (for 待办) returned / overdue / due."""
    day = shown_day(period, plan_periods, today)
    before = [p for p in plan_periods if p.end_date < period.start_date and p.due_date < day]
    previous = max(before, key=lambda p: p.end_date) if before else None
    counts, overdue, todo = Counter(), Counter(), {}
    for o in owed_list:
        owed, counted, on_time, closed, returned = standing(o, period, facts, plan_periods, today)
        todo.setdefault(o.unit.name, Counter())["被退回"] += returned
        if not owed:
            continue
        counts["owed"] += 1
        if counted:
            counts["on_time" if on_time else "late"] += 1
            continue
        counts["never_sent" if closed else "waiting"] += 1
        counts["returned"] += returned
        todo[o.unit.name]["missing"] += 1
        missed = False
        if previous is not None and owes(o, previous):
            p_owed, p_counted, _, p_closed, _ = standing(o, previous, facts, plan_periods, today)
            missed = p_owed and not p_counted and p_closed
        late_now = closed or missed
        overdue[o.unit.name] += late_now
        if not returned:
            todo[o.unit.name]["已逾期" if late_now else "待填报"] += 1
    return counts, overdue, todo


# --- The property ---------------------------------------------------------------------------------


PROPERTY = settings(
    max_examples=16,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(drawn=history)
def test_every_output_tells_the_same_truth_at_every_moment(plan, clock, coordinator, drawn):
    today = drawn["today"]
    with rolled_back():
        clock(today)
        second = build_plan(drawn["final_period"], drawn["town_from"])
        owed_list, facts = write_history(second, drawn, today)
        kewei = make_user("kewei_consistency", units=[STAFF_UNIT])
        office, staff = Client(), Client()
        office.force_login(coordinator)
        staff.force_login(kewei)
        plan_periods = list(Period.objects.filter(plan=second).order_by("end_date", "pk"))
        codes = {m.pk: m.code for m in plan_measures(second)}
        units_with_duties = {o.unit.name for o in owed_list}

        for period in plan_periods:
            if period.start_date > today:
                continue
            check_period(office, second, period, owed_list, facts, plan_periods, today, units_with_duties)

        current = Period.objects.current(second, today)
        if current is not None:
            check_current(office, staff, second, current, owed_list, facts, plan_periods, today, codes)
        check_over_plan(office, second, owed_list, facts, plan_periods, today)


def check_period(client, plan, period, owed_list, facts, plan_periods, today, units_with_duties):
    where = f"{period.name} seen on {today}"
    page = measures_page(client, period, plan)
    sheet = status_sheet(client, period, plan)
    lights = {code: light for code, (_, light, _) in page.items()}
    assert reading_lights(sheet) == lights, where
    assert reading_statuses(sheet) == {code: status for code, (status, _, _) in page.items()}, where
    for task, counts in sheet["tasks"].items():
        number = task.split(".")[0]
        mine = [light for code, light in lights.items() if code.split(".")[0] == number]
        assert counts == {light: mine.count(light) for light in ("red", "yellow", "green", "done")}, where

    counts, overdue, _ = oracle(owed_list, facts, period, plan_periods, today)
    assert counts["owed"] == counts["on_time"] + counts["late"] + counts["never_sent"] + counts["waiting"]
    assert {name: sheet["units"][name] for name in units_with_duties} == {
        name: overdue[name] for name in units_with_duties
    }, where

    text, _ = document_text(client.get("/export/bulletin.docx", {"plan": plan.pk, "period": period.pk}))
    assert number_after(text, "本期应报送") == counts["owed"], where
    if today > period.due_date:
        assert number_after(text, "按时报送") == counts["on_time"], where
        assert number_after(text, "截止日期后逾期报送") == counts["late"], where
        assert number_after(text, "仍未报送") == counts["never_sent"], where
        assert counts["waiting"] == 0
    else:
        # Before the due date: how many are in so far; nothing late, nobody named for this period.
        assert number_after(text, "已报送") == counts["on_time"] + counts["late"], where
        assert number_after(text, "尚未报送") == counts["waiting"], where
        assert counts["never_sent"] == 0
        assert "按时报送率" not in text and "仍未报送本期进展" not in text, where
    named = re.search(r"(?:仍未报送本期进展的单位|进展逾期至今仍未报送的单位)：(.*?)。", text)
    named_counts = dict(re.findall(r"([^、（]+)（(\d+)项）", named.group(1))) if named else {}
    assert {name: int(n) for name, n in named_counts.items()} == {n: c for n, c in overdue.items() if c}, where


def check_current(office, staff, plan, period, owed_list, facts, plan_periods, today, codes):
    where = f"current {period.name} on {today}"
    counts, overdue, todo = oracle(owed_list, facts, period, plan_periods, today)
    page = measures_page(office, None, plan)
    lights = Counter(light for _, light, _ in page.values())
    board = dashboard(office, plan)
    assert board["lights"] == {light: lights[light] for light in ("red", "yellow", "green", "done")}, where
    units, _ = units_and_rates(office, plan)
    expected = {name: overdue[name] for name in units}
    assert board["units"] == units == expected, where
    assert {codes[pk]: light for pk, light in plan_page_lights(office, plan).items()} == {
        code: light for code, (_, light, _) in page.items()
    }, where
    if today > period.due_date:
        assert f"逾期报送 {counts['late']}，至今未报 {counts['never_sent']}" in board["reporting"], where
    else:
        assert board["reporting"].startswith("本期已报送"), where
        assert f"尚未报送 {counts['waiting']}" in board["reporting"], where

    mine = todo.get(STAFF_UNIT, Counter())
    shown = todo_counts(staff, plan)
    assert (shown["被退回"], shown["已逾期"], shown["待填报"]) == (mine["被退回"], mine["已逾期"], mine["待填报"]), (
        where
    )

    reminded_period, reminders = pending_reminders(plan, today)
    days_left = (period.due_date - today).days
    missing = mine["missing"]
    wanted = {STAFF_UNIT: missing} if reminded_period is not None and days_left <= 7 and missing else {}
    assert {r.unit.name: r.count for r in reminders} == wanted, where


def check_over_plan(client, plan, owed_list, facts, plan_periods, today):
    where = f"over the plan on {today}"
    total, by_unit = Counter(), {}
    for period in plan_periods:
        if period.kind == Period.Kind.FINAL or not period.due_date < today:
            continue
        counts, _, _ = oracle(owed_list, facts, period, plan_periods, today)
        total.update(counts)
        for o in owed_list:
            owed, counted, on_time, _, _ = standing(o, period, facts, plan_periods, today)
            if owed:
                unit = by_unit.setdefault(o.unit.name, Counter())
                unit["owed"] += 1
                unit["on_time"] += on_time
    text, _ = document_text(client.get("/export/final-report.docx", {"plan": plan.pk}))
    sentence = re.search(r"各单位应报送(\d+)项：按时报送(\d+)项，逾期报送(\d+)项，至今未报(\d+)项", text)
    assert tuple(int(n) for n in sentence.groups()) == (
        total["owed"],
        total["on_time"],
        total["late"],
        total["never_sent"],
    ), where
    _, rates = units_and_rates(client, plan)
    assert rates == {name: (c["on_time"], c["owed"]) for name, c in by_unit.items()}, where
