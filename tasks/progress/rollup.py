"""Rollups, expected progress (序时进度) and traffic lights, from the one judgement.

How each obligation stands in a period at a moment — owed, on time, late, never
sent, waiting, overdue, due soon, returned, evaluated — is tasks/judgement.py
(the README's rule table); this module turns those standings into what the
outputs show, and every output asks here:

- An obligation's light (`light_for`): red when a report is owed and missing
  after a due date, or its latest counted report says 滞后, or it is more than
  30 points behind 序时进度; done when that report says 已完成; yellow when
  due within 7 days and not in, or 10 to 30 points behind; green otherwise.
  An obligation not yet owed stays out of its measure's leads, light and
  percent (listed apart as `pending`) until it is owed or has reported; in its
  first owed period it is not measured against 序时进度 before it reports.
- A measure's percent is its leads' latest counted reports (the mean with
  several leads; a lead that has not reported counts as 0); its light the
  worst of its leads'. A task's percent is the mean of its measures; the
  plan's, of its tasks. Expected progress is the share of the plan's days elapsed.
- Reporting (`tally`): a period's counts (PlanProgress.reporting) and the
  sums over the plan (`reporting_over_plan`), from the standings.
- A final evaluation (a FINAL period, leads only): a measure is evaluated once
  every lead that owes one is (`MeasureState.evaluated_leads`); its 完成情况 is
  then the least complete of its leads' (`MeasureState.completion`);
  `EvaluationSummary` counts the plan's measures so.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks import obligations as obligation_rules
from tasks.models import Measure, Period, Report
from tasks.progress import judgement

RED_GAP = 30
YELLOW_GAP = 10
DUE_SOON_DAYS = judgement.DUE_SOON_DAYS


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


def light_for(*, status, percent, expected, overdue=False, due_soon=False):
    """The traffic light of one obligation.

    `status`/`percent` come from its latest counted report (None if it has
    none); `overdue` and `due_soon` from its Standing (tasks/judgement.py):
    a report owed and missing after a due date is red whatever else, one due
    within DUE_SOON_DAYS is yellow unless the report says 滞后 or it is far
    behind 序时进度.
    """
    if overdue:
        return Light.RED
    if status == Report.Status.DONE:
        return Light.DONE
    gap = expected - (percent or 0)
    if status == Report.Status.LATE or gap > RED_GAP:
        return Light.RED
    if due_soon:
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
    """One obligation in the period: its judgement (`standing`, tasks/judgement.py),
    the reports behind it and its light."""

    obligation: obligation_rules.Obligation
    latest: Report | None  # latest counted report up to the period
    current: Report | None  # this period's report, any state
    light: Light
    standing: judgement.Standing | None = None  # None without a period
    shown: Report | None = None  # the report a fill-in row carries (the 台账's 按单位), default `latest`

    def __post_init__(self):
        if self.shown is None:
            self.shown = self.latest

    @property
    def percent(self):
        return self.latest.percent if self.latest else 0

    @property
    def submitted(self):
        """Whether this period's report is in (counted: submitted or approved)."""
        return self.standing is not None and self.standing.counted

    @property
    def owes(self):
        """Whether the period is within the obligation's time (Obligation.owes)."""
        return self.standing is not None and self.standing.owes

    @property
    def owed(self):
        """Counted in the period's 应报送 (Standing.owed: not done before)."""
        return self.standing is not None and self.standing.owed

    @property
    def missed_previous(self):
        return self.standing is not None and self.standing.missed_previous


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
        return [s.current for s in self.leads if s.owes]

    @property
    def completion(self):
        """The measure's 完成情况 in a final-evaluation period: the least complete of
        its leads' submitted or approved evaluations; None until every lead that
        owes one has submitted it."""
        owing = [s for s in self.leads if s.owes]
        if not owing or self.evaluated_leads < len(owing) or any(not s.current.completion for s in owing):
            return None
        return min((s.current.completion for s in owing), key=COMPLETION_ORDER.index)

    @property
    def evaluated_leads(self):
        """How many of the leads that owe a final evaluation have submitted it (or had it approved)."""
        return sum(1 for s in self.leads if s.standing is not None and s.standing.evaluated)

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
    not_yet: list = field(default_factory=list)  # not owed before a later 起报日期 (a unit or plan added mid-way)

    @property
    def owed_from(self):
        """The earliest 起报日期 of the obligations not owed yet, or None."""
        return min((s.obligation.owed_from for s in self.not_yet), default=None)

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
    """How the period's owed reports came in (judgement.Standing, the README's rule
    table): owed = on_time + late + never_sent + waiting, always."""

    period: object
    owed: int = 0
    on_time: int = 0  # in by the end of the due date
    late: int = 0  # in after the due date (逾期报送, 补报 included)
    never_sent: int = 0  # not in, due date passed (至今未报)
    waiting: int = 0  # not in, due date still to come (尚未报送)
    returned: int = 0  # of those not in: returned or reopened, waiting for the unit's changes
    unit: object = None  # over the plan: whose reports (reporting_over_plan)
    closed: bool = True  # the due date has passed (before it nothing is late or never sent)

    FIELDS = ("owed", "on_time", "late", "never_sent", "waiting", "returned")

    @property
    def submitted(self):
        return self.on_time + self.late

    @property
    def on_time_rate(self):
        return round(100 * self.on_time / self.owed, 1) if self.owed else 0.0

    def add(self, other):
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def tally(summary, standing):
    """Count one obligation's Standing in a period into `summary` (a ReportingSummary):
    the 按时报送率 rule, for one period (PlanProgress.reporting) and over the plan
    (reporting_over_plan)."""
    if standing is None or not standing.owed:
        return
    summary.owed += 1
    summary.on_time += standing.on_time
    summary.late += standing.late
    summary.never_sent += standing.never_sent
    summary.waiting += standing.waiting
    summary.returned += standing.returned


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

    Loads the plan's periods, its measures (with units), its collective
    members, each obligation's reports up to `period` (judgement.History) and
    the reports shown. `today` is the real day; the period is shown as of
    `self.today` (periods.as_of: a past period as of its due date) and judged
    at that moment (judgement.Moment). `counted_states`: the report states
    that count, official ones (submitted, approved) unless the approved-only
    台账 asks for approved ones; `shown_states`: those a fill-in row carries
    (the 台账's 按单位 also shows a returned report for the unit to correct).
    `units`: only these units' obligations are loaded and judged (the pages
    about units: 待办, /my/, a unit's page and its 催报); each obligation's
    state is the same as in a whole plan's progress, but the measures' states
    then cover only these units, so the measures' pages never pass it.
    """

    def __init__(self, plan, period, today=None, measures=None, shown_states=None, counted_states=None, units=None):
        self.plan = plan
        self.counted_states = frozenset(counted_states or Report.OFFICIAL_STATES)
        self.shown_states = frozenset(shown_states or self.counted_states)
        self.period = period
        self.now = today or timezone.localdate()
        self.plan_periods = {p.pk: p for p in Period.objects.filter(plan=plan)}
        if period is not None:
            # The caller's object, so that identity and changes made to it hold.
            self.plan_periods[period.pk] = period
        self.moment = judgement.Moment.of(period, self.now, self.plan_periods.values())
        self.today = self.moment.day
        self.expected = expected_percent(plan, self.today)
        if measures is None:
            measures = (
                Measure.objects.filter(task__plan=plan).select_related("task").with_assignments().in_document_order()
            )
        self.measures = list(measures)
        members = obligation_rules.collective_members()
        self.obligations = {m.pk: obligation_rules.for_measure(m, members) for m in self.measures}
        self.unit_ids = None if units is None else frozenset(u.pk for u in units)
        if self.unit_ids is not None:
            self.obligations = {
                pk: [o for o in obligations if o.unit.pk in self.unit_ids]
                for pk, obligations in self.obligations.items()
            }
        before = [p for p in self.plan_periods.values() if period is not None and p.end_date < period.start_date]
        self.prior_period = max(before, key=lambda p: (p.end_date, p.pk)) if before else None  # just before this one
        self._load_reports()
        self.states = {m.pk: self._measure_state(m) for m in self.measures}

    @property
    def previous_period(self):
        """The last period past its due date before this one (its missing reports make lights red)."""
        return self.moment.previous

    def _load_reports(self):
        """Each obligation's history up to the period, then as objects the reports
        shown: the latest counted (and shown) per obligation and this period's.
        Two queries, whatever the size."""
        measure_ids = [m.pk for m in self.measures]
        self.latest = {}
        self.shown = {}
        self.current = {}
        if self.period is not None:
            end = self.period.end_date
            eligible = {pk: p for pk, p in self.plan_periods.items() if p.end_date <= end}
        else:
            eligible = self.plan_periods
        # Plain values of every report (no join, no sort), then only the reports shown as objects.
        self.history = judgement.History(measure_ids, eligible, counted=self.counted_states, unit_ids=self.unit_ids)
        if not measure_ids:
            return
        wanted = {}
        for measure in self.measures:
            for obligation in self.obligations[measure.pk]:
                key = obligation.key
                rows = [("latest", self.history.latest(key, self.period))]
                if self.shown_states != self.counted_states:
                    rows.append(("shown", self.history.latest(key, self.period, states=self.shown_states)))
                if self.period is not None:
                    rows.append(("current", self.history.row(key, self.period)))
                for kind, row in rows:
                    if row is not None:
                        wanted.setdefault(row.pk, []).append((kind, key))
        targets = {"latest": self.latest, "shown": self.shown, "current": self.current}
        for report in Report.objects.filter(pk__in=list(wanted)).order_by().iterator(chunk_size=2000):
            # Periods come from the dict above rather than a join: a dozen objects, not one per report.
            report.period = self.plan_periods[report.period_id]
            for kind, key in wanted[report.pk]:
                targets[kind][key] = report

    def obligation_state(self, obligation):
        key = obligation.key
        latest = self.latest.get(key)
        current = self.current.get(key)
        shown = self.shown.get(key, latest) if self.shown_states != self.counted_states else latest
        if self.period is None:
            light = Light.GREEN
            if latest is not None:
                light = light_for(status=latest.status, percent=latest.percent, expected=self.expected)
            return ObligationState(obligation, latest, current, light, shown=shown)
        standing = self.history.standing(obligation, self.moment)
        if not standing.owes:
            # Not expected yet: no light from missing reports, only from what it reported.
            light = Light.GREEN
            if latest is not None:
                light = light_for(status=latest.status, percent=latest.percent, expected=self.expected)
            return ObligationState(obligation, latest, current, light, standing, shown)
        # A unit in its first owed period is not measured against 序时进度
        # before its first report: it could not have reported earlier.
        newcomer = latest is None and obligation.owed_from is not None and not obligation.owes(self.prior_period)
        light = light_for(
            status=latest.status if latest else None,
            percent=latest.percent if latest else 0,
            expected=0 if newcomer else self.expected,
            overdue=standing.overdue,
            due_soon=standing.due_soon,
        )
        return ObligationState(obligation, latest, current, light, standing, shown)

    def _measure_state(self, measure):
        state = MeasureState(measure)
        for obligation in self.obligations[measure.pk]:
            obligation_state = self.obligation_state(obligation)
            if not obligation_state.owes and obligation_state.latest is None:
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
        """This period's report is owed and not in (judgement.Standing.missing)."""
        standing = obligation_state.standing
        return standing is not None and standing.missing

    def is_overdue(self, obligation_state):
        """Owed and missing after a due date: this period's, or the last period's
        (judgement.Standing.overdue): the missing report that makes the light red."""
        standing = obligation_state.standing
        return standing is not None and standing.overdue

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
            elif s.standing is not None and not s.owes and s.obligation.owed_from is not None:
                todo.not_yet.append(s)
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
        summary = ReportingSummary(self.period, closed=self.period is not None and self.moment.closes(self.period))
        for state in self.states.values():
            for s in state.leads + state.supports + state.pending:
                tally(summary, s.standing)
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
            for s in state.leads:
                if s.owes:
                    summary.owed += 1
                    summary.submitted += s.standing.evaluated
                    summary.returned += s.standing.returned
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
        progress = PlanProgress(plan, period, today=today)
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
    obligation's Standing in it (judgement.History.standing, the same as
    PlanProgress.reporting of that period) counted by `tally`, summed per unit
    and in all. `progress`: a PlanProgress of the whole plan, whose measures and
    obligations are used instead of loading them. Two queries with `progress`,
    five without.
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
    history = judgement.History([m.pk for m in measures], all_periods)
    moment = judgement.Moment(None, today, today)
    total = ReportingSummary(None)
    by_unit = {}
    for period in counted:
        for obligation in obligations:
            standing = history.standing(obligation, moment, period)
            if not standing.owed:
                continue
            unit = obligation.unit
            summary = by_unit.get(unit.pk)
            if summary is None:
                summary = by_unit[unit.pk] = ReportingSummary(None, unit=unit)
            tally(summary, standing)
    units = sorted(by_unit.values(), key=lambda s: (s.unit.sort_order, s.unit.name))
    for summary in units:
        total.add(summary)
    return PlanReporting(counted, total, units)
