"""Rollups, expected progress (序时进度) and traffic lights: the one home of these rules.

- A measure's percent is its lead's latest official report (submitted or
  approved); with several leads (5.(2), or a collective lead expanded to its
  members) the mean of the leads. A lead that has not reported counts as 0.
- A task's percent is the mean of its measures; the plan's, of its tasks.
- Expected progress is the share of the plan's days elapsed.
- Red: a report missing after its period's due date, status 滞后, or more
  than 30 points behind expected. Yellow: due within 7 days and not yet
  submitted, or 10 to 30 points behind. Green otherwise; 已完成 is done.
- Outstanding: this period's report is owed (Obligation.owes, below) and
  not in (submitted or approved); an obligation whose measure it already
  reported done owes nothing. Overdue: outstanding after this period's due
  date, or while the last period's report, past its due date and owed, is
  missing too — the missing report that makes the light red. 待办, 催报, the
  reminders, the units' 逾期未报 counts (dashboard, unit pages, 台账) and the
  通报's late units all ask PlanProgress.is_outstanding / is_overdue.
- An obligation not yet owed in the period (obligations.Obligation.owes: a
  unit added later owes from the next period) is neither expected nor
  overdue nor red: it stays out of its measure's leads, lights and percent
  (listed apart as `pending`) until it is owed or has reported; in its
  first owed period it is not measured against 序时进度 before it reports.
- On-time reporting rate (按时报送率): of the obligations owed in the period,
  the share whose report for it was submitted (or approved) by the end of
  its due date, judged by the latest submission (`tally`). Over the whole
  plan (`reporting_over_plan`): the same count summed over every period but
  the final evaluation whose due date has passed, per unit and in all.
- A final evaluation (a FINAL period, leads only): a measure is evaluated
  once every lead that owes one has submitted it (or it is approved); its
  完成情况 is then the least complete of its leads' (`MeasureState.completion`);
  `EvaluationSummary` counts the plan's measures so.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import obligations as obligation_rules
from . import periods as period_rules
from .models import Measure, Period, Report

RED_GAP = 30
YELLOW_GAP = 10
DUE_SOON_DAYS = 7


class Light(models.TextChoices):
    RED = "red", _("红灯")
    YELLOW = "yellow", _("黄灯")
    GREEN = "green", _("绿灯")
    DONE = "done", _("已完成")


_SEVERITY = {Light.RED: 3, Light.YELLOW: 2, Light.GREEN: 1, Light.DONE: 0}


class ChoiceLabels(dict):
    """Choice labels by value, translated once per process instead of once per
    row (the interface has one language); the 台账 writes thousands."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def __missing__(self, key):
        value = self[key] = str(dict(self.choices)[key])
        return value


STATUS_LABELS = ChoiceLabels(Report.Status.choices)
COMPLETION_ORDER = list(Report.Completion.values)  # least complete first


def expected_percent(plan, today):
    """序时进度: the share of the plan's days elapsed by the end of `today`, 0–100."""
    total = (plan.end_date - plan.start_date).days + 1
    elapsed = (today - plan.start_date).days + 1
    return round(100 * min(max(elapsed, 0), total) / total, 1)


def light_for(*, status, percent, expected, submitted, due_date, today, missed_previous=False):
    """The traffic light of one obligation.

    `status`/`percent` come from its latest official report (None if it has
    none), `submitted` says whether the current period's report is in,
    `due_date` is the current period's due date and `missed_previous` whether
    the report of the last period already past its due date is missing (a
    current-period submission supersedes it).
    """
    if status == Report.Status.DONE:
        return Light.DONE
    gap = expected - (percent or 0)
    overdue = due_date is not None and today > due_date
    if not submitted and (missed_previous or overdue):
        return Light.RED
    if status == Report.Status.LATE or gap > RED_GAP:
        return Light.RED
    if not submitted and due_date is not None and (due_date - today).days <= DUE_SOON_DAYS:
        return Light.YELLOW
    if gap >= YELLOW_GAP:
        return Light.YELLOW
    return Light.GREEN


def worst(lights):
    lights = list(lights)
    if not lights:
        return Light.GREEN
    return max(lights, key=lambda light: _SEVERITY[light])


def mean(values):
    values = list(values)
    return round(sum(values) / len(values), 1) if values else 0.0


@dataclass
class ObligationState:
    obligation: obligation_rules.Obligation
    latest: Report | None  # latest official report up to the period
    current: Report | None  # this period's report, any state
    light: Light
    missed_previous: bool = False  # the last period past its due date has no report from it
    owed: bool = True  # a report is owed for the period (obligations.Obligation.owes)

    @property
    def percent(self):
        return self.latest.percent if self.latest else 0

    @property
    def submitted(self):
        """Whether this period's report is in: submitted or approved."""
        return self.current is not None and self.current.is_official


@dataclass
class MeasureState:
    measure: Measure
    leads: list = field(default_factory=list)  # ObligationState of the lead(s)
    supports: list = field(default_factory=list)  # ObligationState of co-organizers
    pending: list = field(default_factory=list)  # not yet owed and not reported: counted nowhere
    percent: float = 0.0
    light: Light = Light.GREEN

    @property
    def status(self):
        """The lead's status. With several leads: 滞后 if any lead is late,
        else the least advanced, and 推进中 while some leads have not reported."""
        statuses = [s.latest.status for s in self.leads if s.latest]
        if not statuses:
            return None
        if Report.Status.LATE in statuses:
            return Report.Status.LATE
        if len(statuses) < len(self.leads):
            return Report.Status.IN_PROGRESS
        order = [Report.Status.NOT_STARTED, Report.Status.IN_PROGRESS, Report.Status.DONE]
        return min(statuses, key=order.index)

    @property
    def latest_report(self):
        reports = [s.latest for s in self.leads if s.latest]
        return max(reports, key=lambda r: (r.period.end_date, r.updated_at)) if reports else None

    @property
    def light_rank(self):
        return _SEVERITY[self.light]

    @property
    def status_label(self):
        status = self.status
        return STATUS_LABELS[status] if status else "未填报"

    @property
    def evaluations(self):
        """This period's report of each lead that owes one (None where there is none):
        in a final-evaluation period, the leads' evaluations."""
        return [s.current for s in self.leads if s.owed]

    @property
    def completion(self):
        """The measure's 完成情况 in a final-evaluation period: the least complete of
        its leads' submitted or approved evaluations; None until every lead that
        owes one has submitted it."""
        reports = self.evaluations
        if not reports or any(r is None or not r.is_official or not r.completion for r in reports):
            return None
        return min((r.completion for r in reports), key=COMPLETION_ORDER.index)

    @property
    def evaluation_approved(self):
        """Whether every lead's final evaluation is approved."""
        reports = self.evaluations
        return bool(reports) and all(r is not None and r.state == Report.State.APPROVED for r in reports)

    def lead_texts(self, field_name):
        """A lead report field, or with several leads each reporting lead's as "江桥镇：…"."""
        reported = [s for s in self.leads if s.latest and getattr(s.latest, field_name)]
        if len(self.leads) == 1:
            return [getattr(s.latest, field_name) for s in reported]
        return [f"{s.obligation.unit.name}：{getattr(s.latest, field_name)}" for s in reported]

    def lead_text(self, field_name):
        """A lead report field; with several leads, one line per reporting lead."""
        return "\n".join(self.lead_texts(field_name))

    @property
    def reported_at(self):
        latest = self.latest_report
        return latest.submitted_at if latest else None


class PendingState:
    """A measure's row whose state is filled in only once it is on screen.

    Attributes other than `measure` come from the state (percent, light…).
    """

    __slots__ = ("measure", "state")

    def __init__(self, measure):
        self.measure = measure
        self.state = None

    def __getattr__(self, name):
        if self.state is None:
            raise AttributeError(name)
        return getattr(self.state, name)


@dataclass
class Todo:
    """A unit's (or a person's units') work for the period: 待办.

    Returned reports first (they carry the coordinator's comment), then the
    overdue and the due ones; submitted and approved ones are listed as done.
    """

    period: object
    days_left: int | None
    returned: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    due: list = field(default_factory=list)
    submitted: list = field(default_factory=list)
    approved: list = field(default_factory=list)

    @property
    def open_count(self):
        """How many obligations still need the unit's action."""
        return len(self.returned) + len(self.overdue) + len(self.due)

    @property
    def days_overdue(self):
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def periods_closing(plan, today, days=DUE_SOON_DAYS):
    """The plan's open periods due within `days` from today (today included). One query."""
    return list(
        Period.objects.filter(
            plan=plan, is_closed=False, due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days)
        ).order_by("due_date", "pk")
    )


@dataclass
class ReportingSummary:
    """How the period's owed reports came in (see 按时报送率 above)."""

    period: object
    owed: int = 0
    submitted: int = 0
    on_time: int = 0
    overdue: int = 0
    returned: int = 0
    unit: object = None  # over the plan: whose reports (reporting_over_plan)

    @property
    def on_time_rate(self):
        return round(100 * self.on_time / self.owed, 1) if self.owed else 0.0

    def add(self, other):
        for name in ("owed", "submitted", "on_time", "overdue", "returned"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def tally(summary, state, submitted_at, due_date, overdue):
    """Count one owed obligation into `summary` (a ReportingSummary), given its
    report for the period (`state` None: no report) and whether it is overdue
    (the caller's rule, PlanProgress.is_overdue): the 按时报送率 rule, for one
    period (PlanProgress.reporting) and over the plan (reporting_over_plan)."""
    summary.owed += 1
    if state in Report.OFFICIAL_STATES:
        summary.submitted += 1
        if submitted_at and timezone.localdate(submitted_at) <= due_date:
            summary.on_time += 1
    elif overdue:
        summary.overdue += 1
    if state == Report.State.RETURNED:
        summary.returned += 1


@dataclass
class EvaluationSummary:
    """How far a final evaluation (终期评估) has come, by measure (see MeasureState.completion)."""

    period: object
    measures: int = 0
    evaluated: int = 0  # every owed lead's evaluation submitted or approved
    approved: int = 0  # every owed lead's evaluation approved
    by_completion: dict = field(default_factory=dict)  # {Report.Completion: measures}
    owed: int = 0  # leads' evaluations owed
    submitted: int = 0  # of those, submitted or approved
    returned: int = 0  # of those, returned for changes

    @property
    def not_evaluated(self):
        return self.measures - self.evaluated

    def completion_rows(self):
        """[(label, measures)] from most to least complete."""
        return [(label, self.by_completion[value]) for value, label in reversed(Report.Completion.choices)]


@dataclass
class UnitSummary:
    unit: object
    obligations: int = 0
    leads: int = 0
    submitted: int = 0
    overdue: int = 0
    percent_total: float = 0.0
    states: list = field(default_factory=list)

    @property
    def percent(self):
        return round(self.percent_total / self.obligations, 1) if self.obligations else 0.0


class PlanProgress:
    """Everything the pages need about a plan's progress, in a fixed number of queries.

    Loads the plan's measures (with units), its collective members, every
    official report up to `period` and the period's own reports.
    `shown_states`: the report states that count as an obligation's latest
    report, official ones (submitted, approved) unless the 台账 asks otherwise.
    """

    def __init__(self, plan, period, today=None, measures=None, shown_states=None):
        self.plan = plan
        self.shown_states = set(shown_states or Report.OFFICIAL_STATES)
        self.period = period
        self.today = today or timezone.localdate()
        self.expected = expected_percent(plan, self.today)
        if measures is None:
            measures = (
                Measure.objects.filter(task__plan=plan).select_related("task").with_assignments().in_document_order()
            )
        self.measures = list(measures)
        members = obligation_rules.collective_members()
        self.obligations = {m.pk: obligation_rules.for_measure(m, members) for m in self.measures}
        self.previous_period = None  # the last period past its due date before this one
        self.prior_period = None  # the period just before this one
        self.previous_reported = set()
        self._load_reports()
        self.states = {m.pk: self._measure_state(m) for m in self.measures}

    def _load_reports(self):
        """Latest official report per obligation, this period's reports, and
        who reported for the previous period. Four queries, whatever the size."""
        measure_ids = [m.pk for m in self.measures]
        self.latest = {}
        self.current = {}
        if not measure_ids:
            return
        plan_periods = {p.pk: p for p in Period.objects.filter(plan=self.plan)}
        if self.period is not None:
            before = [p for p in plan_periods.values() if p.end_date < self.period.start_date]
            self.prior_period = max(before, key=lambda p: (p.end_date, p.pk)) if before else None
            eligible = [pk for pk, p in plan_periods.items() if p.end_date <= self.period.end_date]
            earlier = [
                (p.end_date, pk)
                for pk, p in plan_periods.items()
                if p.end_date < self.period.start_date and p.due_date < self.today
            ]
            previous_id = max(earlier)[1] if earlier else None
            self.previous_period = plan_periods.get(previous_id)
        else:
            eligible, previous_id = list(plan_periods), None
        # Keys of every official report as plain tuples (no join, no sort:
        # an obligation has one report per period, so the latest is the one
        # in the latest period), then only the latest reports as objects.
        latest = {}
        # States are checked here rather than in SQL: with the state in the
        # WHERE clause SQLite walks the state index over every plan's reports,
        # 8x slower on the benchmark's 70,000 reports.
        shown = self.shown_states
        rows = (
            Report.objects.filter(measure_id__in=measure_ids, period_id__in=eligible)
            .order_by()
            .values_list("measure_id", "unit_id", "pk", "period_id", "state")
        )
        for measure_id, unit_id, pk, period_id, state in rows.iterator(chunk_size=5000):
            key = (measure_id, unit_id)
            if period_id == previous_id and state in Report.OFFICIAL_STATES:
                self.previous_reported.add(key)
            if state not in shown:
                continue
            end = plan_periods[period_id].end_date
            if key not in latest or end > latest[key][0]:
                latest[key] = (end, pk)
        wanted = {pk for _, pk in latest.values()}
        latest_pk = {key: pk for key, (_, pk) in latest.items()}
        if self.period is not None:
            current = Report.objects.filter(measure_id__in=measure_ids, period=self.period).order_by()
            wanted.update(current.values_list("pk", flat=True))
        # Periods come from the dict above rather than a join: a dozen objects, not one per report.
        reports = Report.objects.filter(pk__in=wanted).order_by()
        for report in reports.iterator(chunk_size=2000):
            report.period = plan_periods[report.period_id]
            key = (report.measure_id, report.unit_id)
            if latest_pk.get(key) == report.pk:
                self.latest[key] = report
            if self.period is not None and report.period_id == self.period.pk:
                self.current[key] = report

    def obligation_state(self, obligation):
        latest = self.latest.get(obligation.key)
        current = self.current.get(obligation.key)
        submitted = current is not None and current.is_official
        if not obligation.owes(self.period):
            # Not expected yet: no light from missing reports, only from what it reported.
            light = Light.GREEN
            if latest is not None:
                light = light_for(
                    status=latest.status,
                    percent=latest.percent,
                    expected=self.expected,
                    submitted=True,
                    due_date=None,
                    today=self.today,
                )
            return ObligationState(obligation, latest, current, light, owed=False)
        # A unit in its first owed period is not measured against 序时进度
        # before its first report: it could not have reported earlier.
        newcomer = latest is None and obligation.owed_from is not None and not obligation.owes(self.prior_period)
        missed_previous = (
            self.previous_period is not None
            and obligation.owes(self.previous_period)
            and obligation.key not in self.previous_reported
        )
        light = light_for(
            status=latest.status if latest else None,
            percent=latest.percent if latest else 0,
            expected=0 if newcomer else self.expected,
            submitted=submitted,
            due_date=self.period.due_date if self.period else None,
            today=self.today,
            missed_previous=missed_previous,
        )
        return ObligationState(obligation, latest, current, light, missed_previous=missed_previous)

    def _measure_state(self, measure):
        state = MeasureState(measure)
        for obligation in self.obligations[measure.pk]:
            obligation_state = self.obligation_state(obligation)
            if not obligation_state.owed and obligation_state.latest is None:
                target = state.pending
            else:
                target = state.leads if obligation.is_lead else state.supports
            target.append(obligation_state)
        state.percent = mean(s.percent for s in state.leads)
        if state.leads and all(s.light == Light.DONE for s in state.leads):
            state.light = Light.DONE
        else:
            state.light = worst(s.light for s in state.leads if s.light != Light.DONE)
        return state

    def keep_only(self, states):
        """Narrow the measures this progress covers to `states` (a filtered view)."""
        self.states = {state.measure.pk: state for state in states}

    @property
    def plan_percent(self):
        tasks = {}
        for state in self.states.values():
            tasks.setdefault(state.measure.task_id, []).append(state.percent)
        return mean(mean(values) for values in tasks.values())

    def is_outstanding(self, obligation_state):
        """This period's report is owed and not yet submitted (nor approved)."""
        return (
            self.period is not None
            and obligation_state.owed
            and not obligation_state.submitted
            and obligation_state.light != Light.DONE
        )

    def is_overdue(self, obligation_state):
        """Outstanding after a due date: this period's, or the last period's (its report
        is missing too; this period's report, once in, makes up for it). The report
        missing after its due date that makes the light red."""
        return self.is_outstanding(obligation_state) and (
            self.today > self.period.due_date or obligation_state.missed_previous
        )

    def days_left(self):
        """Days until the period's due date (negative once past), None without a period."""
        return (self.period.due_date - self.today).days if self.period else None

    def todo(self, obligation_states):
        """The given obligations sorted into a Todo, in the order given."""
        todo = Todo(self.period, self.days_left())
        for s in obligation_states:
            state = s.current.state if s.current else None
            if state == Report.State.RETURNED:
                todo.returned.append(s)
            elif self.is_overdue(s):
                todo.overdue.append(s)
            elif self.is_outstanding(s):
                todo.due.append(s)
            elif state == Report.State.SUBMITTED:
                todo.submitted.append(s)
            elif state == Report.State.APPROVED:
                todo.approved.append(s)
        return todo

    def outstanding_by_unit(self):
        """{unit id: [outstanding ObligationState]} over every obligation of the loaded measures."""
        by_unit = {}
        for measure_obligations in self.obligations.values():
            for obligation in measure_obligations:
                state = self.obligation_state(obligation)
                if self.is_outstanding(state):
                    by_unit.setdefault(obligation.unit.pk, []).append(state)
        return by_unit

    def overdue_by_unit(self, unit_ids=None):
        """[(unit, [overdue ObligationState])] over the loaded measures, units in display order."""
        found = {}
        for state in self.states.values():
            for s in state.leads + state.supports:
                unit = s.obligation.unit
                if (unit_ids is None or unit.pk in unit_ids) and self.is_overdue(s):
                    found.setdefault(unit.pk, (unit, []))[1].append(s)
        return sorted(found.values(), key=lambda pair: (pair[0].sort_order, pair[0].name))

    def unit_summaries(self, unit_ids=None, keep_states=False):
        """Per-unit counts over the loaded measures, units in their display order."""
        summaries = {}
        for state in self.states.values():
            for s in state.leads + state.supports + state.pending:
                unit = s.obligation.unit
                if unit_ids is not None and unit.pk not in unit_ids:
                    continue
                summary = summaries.get(unit.pk)
                if summary is None:
                    summary = summaries[unit.pk] = UnitSummary(unit)
                summary.obligations += 1
                summary.leads += s.obligation.is_lead
                summary.submitted += s.submitted
                summary.overdue += self.is_overdue(s)
                summary.percent_total += s.percent
                if keep_states:
                    summary.states.append(s)
        return sorted(summaries.values(), key=lambda u: (u.unit.sort_order, u.unit.name))

    def counts(self):
        """{"lights": {Light: n}, "statuses": {label: n}} over the loaded measures."""
        lights = {light: 0 for light in Light}
        statuses = {label: 0 for label in [*Report.Status.labels, "未填报"]}
        for state in self.states.values():
            lights[state.light] += 1
            statuses[state.status_label] += 1
        return {"lights": lights, "statuses": statuses}

    def reporting(self):
        """This period's reporting over the loaded measures: a ReportingSummary."""
        summary = ReportingSummary(self.period)
        if self.period is None:
            return summary
        due = self.period.due_date
        for state in self.states.values():
            for s in state.leads + state.supports + state.pending:
                if s.owed:
                    current = s.current
                    tally(
                        summary,
                        current.state if current else None,
                        current.submitted_at if current else None,
                        due,
                        self.is_overdue(s),
                    )
        return summary

    def evaluation(self):
        """The final evaluation of this (FINAL) period over the loaded measures: an EvaluationSummary."""
        summary = EvaluationSummary(self.period, by_completion=dict.fromkeys(Report.Completion.values, 0))
        for state in self.states.values():
            summary.measures += 1
            completion = state.completion
            if completion is not None:
                summary.evaluated += 1
                summary.approved += state.evaluation_approved
                summary.by_completion[completion] += 1
            for report in state.evaluations:
                summary.owed += 1
                summary.submitted += report is not None and report.is_official
                summary.returned += report is not None and report.state == Report.State.RETURNED
        return summary

    def task_rows(self):
        """[(task, measure count, percent)] in task order."""
        tasks = {}
        for state in self.states.values():
            tasks.setdefault(state.measure.task, []).append(state)
        return [(task, states, mean(s.percent for s in states)) for task, states in tasks.items()]


def latest_final_period(plan, today):
    """The plan's latest final-evaluation period that has started by `today`, or None. One query."""
    return (
        Period.objects.filter(plan=plan, kind=Period.Kind.FINAL, start_date__lte=today)
        .order_by("-end_date", "-pk")
        .first()
    )


def final_evaluation(plan, today, progress=None):
    """The EvaluationSummary of the plan's latest final evaluation that has
    started, as of `today` (a past one as of its due date), or None. Reuses
    `progress` when it is that period's; otherwise a PlanProgress of it."""
    period = latest_final_period(plan, today)
    if period is None:
        return None
    if progress is None or progress.period != period:
        progress = PlanProgress(plan, period, today=period_rules.as_of(period, today))
    return progress.evaluation()


@dataclass
class PlanReporting:
    """按时报送率 over the whole plan: in all and per unit (units in display order)."""

    periods: list
    total: ReportingSummary
    units: list  # [ReportingSummary with .unit], one per unit that owed any report


def reporting_over_plan(plan, today, progress=None):
    """The on-time reporting rate over the whole plan, as of `today`: for every
    period but the final evaluation whose due date is before `today`, each
    obligation owed in it counted by `tally` exactly as PlanProgress.reporting
    counts that period (done: its latest official report up to the period says
    已完成), summed per unit and in all. `progress`: a PlanProgress of the whole
    plan, whose measures and obligations are used instead of loading them.
    Two queries with `progress`, five without.
    """
    all_periods = list(Period.objects.filter(plan=plan).order_by("end_date", "pk"))
    counted = [p for p in all_periods if p.kind != Period.Kind.FINAL and p.due_date < today]
    if progress is not None:
        measures = progress.measures
        obligations = [o for m in measures for o in progress.obligations[m.pk]]
    else:
        measures = list(Measure.objects.filter(task__plan=plan).select_related("task").with_assignments())
        members = obligation_rules.collective_members()
        obligations = [o for m in measures for o in obligation_rules.for_measure(m, members)]
    reports = {}
    rows = (
        Report.objects.filter(measure_id__in=[m.pk for m in measures], period__plan=plan)
        .order_by()
        .values_list("measure_id", "unit_id", "period_id", "state", "status", "submitted_at")
    )
    for measure_id, unit_id, period_id, state, status, submitted_at in rows.iterator(chunk_size=5000):
        reports[(measure_id, unit_id, period_id)] = (state, status, submitted_at)
    total = ReportingSummary(None)
    by_unit = {}
    done = set()  # obligations whose latest official report so far says 已完成
    latest_end = {}
    counted_ids = {p.pk for p in counted}
    for period in all_periods:
        for obligation in obligations:
            key = obligation.key
            report = reports.get((*key, period.pk))
            if period.pk in counted_ids and obligation.owes(period):
                unit = obligation.unit
                summary = by_unit.get(unit.pk)
                if summary is None:
                    summary = by_unit[unit.pk] = ReportingSummary(None, unit=unit)
                tally(
                    summary,
                    report[0] if report else None,
                    report[2] if report else None,
                    period.due_date,
                    # Counted periods are past their due date: a report not in is
                    # overdue, unless the obligation was already done.
                    key not in done,
                )
            # The latest official report up to this period, as PlanProgress keeps it.
            if (
                report
                and report[0] in Report.OFFICIAL_STATES
                and period.end_date > latest_end.get(key, datetime.date.min)
            ):
                latest_end[key] = period.end_date
                if report[1] == Report.Status.DONE:
                    done.add(key)
                else:
                    done.discard(key)
    units = sorted(by_unit.values(), key=lambda s: (s.unit.sort_order, s.unit.name))
    for summary in units:
        total.add(summary)
    return PlanReporting(counted, total, units)
