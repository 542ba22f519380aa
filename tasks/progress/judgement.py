"""The one judgement per obligation and moment: the README's rule table ("One truth
at every moment"), in code. Every output reads it — the dashboard, /tasks/,
/measures/ and its filters, /units/ and the unit pages, 待办, /review/, the 台账,
the 通报, the 终期评估报告, send_reminders, 催报 and the notifications — through
tasks/progress.py, which rolls it up into measures, tasks and plans.

- `History`: each obligation's reports, period by period, loaded once (one query
  of plain values for any number of obligations). `History.latest` is the one
  way to find an obligation's latest counted report up to (or before) a period.
- `Moment`: a period seen on a day. A period that is no longer the current one is
  shown as of its due date (periods.as_of) and judged as it stood when that day
  ended; the current period as of today.
- `Standing`: one obligation in one period at one moment, with the predicates
  every output asks: owes, done_before, owed, submitted, on_time, late,
  never_sent, waiting, overdue, due_soon, returned, evaluated.

The rules (the README's table holds the same, in words):

- Counted reports are submitted or approved (Report.OFFICIAL_STATES); the
  approved-only 台账 counts approved ones only and says so in its title. A
  returned, reopened (back to 已退回) or withdrawn (back to a draft) report is
  not in: the obligation stands as if it had not reported this period.
- Owed: the obligation owes the period (Obligation.owes: its 起报日期, and a
  终期评估 from leads only), unless its latest counted report of an earlier
  quarter already says 已完成 and it has sent nothing this period (done is done;
  a lead still owes its final evaluation). A report it sends anyway counts.
- On time: counted and submitted by the end of the due date (its latest
  submission decides: a report returned and resubmitted after the due date is
  late). Late: counted, submitted after the due date (补报 included).
- Never sent: owed, not counted, and the due date has passed. Waiting: owed, not
  counted, due date still to come. So owed = on time + late + never sent +
  waiting, always; before the due date nothing is never sent, and after it
  nothing waits.
- Overdue now (the red light's missing report; 待办, 催报, reminders): owed, not
  counted, and either this period's due date has passed or the last period past
  its due date was never sent (a report for this period makes up for it).
- Due soon (yellow): waiting, not overdue, and due within DUE_SOON_DAYS.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone

from tasks.models import Period, Report, current_of

DUE_SOON_DAYS = 7


class Row(NamedTuple):
    """One report as the judgement reads it (no texts). A named tuple: a page
    makes one for every report of its measures, and a tuple is the cheapest."""

    pk: int
    period: Period
    state: str
    status: str
    percent: int
    submitted_at: datetime.datetime | None


def submitted_on(row):
    """The local day the report was (last) submitted, or None."""
    return timezone.localdate(row.submitted_at) if row is not None and row.submitted_at else None


class History:
    """Every report of the given measures in the given periods, per obligation.

    `periods`: the plan's periods ({pk: Period} or a list); reports of other
    periods are not loaded. `counted`: the states that count (official by
    default); `unit_ids`: only these units' reports. One query.
    """

    def __init__(self, measure_ids, periods, counted=Report.OFFICIAL_STATES, unit_ids=None):
        if not isinstance(periods, dict):
            periods = {p.pk: p for p in periods}
        self.periods = periods
        self.counted = frozenset(counted)
        self._rows = {}  # (measure id, unit id) -> [Row] in period order
        self._by_period = {}  # ((measure id, unit id), period id) -> Row
        measure_ids = list(measure_ids)
        if not measure_ids or not periods:
            return
        reports = Report.objects.filter(measure_id__in=measure_ids, period_id__in=list(periods)).order_by()
        if unit_ids is not None:
            reports = reports.filter(unit_id__in=list(unit_ids))
        rows = reports.values_list(
            "measure_id", "unit_id", "pk", "period_id", "state", "status", "percent", "submitted_at"
        )
        for measure_id, unit, pk, period_id, state, status, percent, submitted_at in rows.iterator(chunk_size=5000):
            row = Row(pk, periods[period_id], state, status, percent, submitted_at)
            self._rows.setdefault((measure_id, unit), []).append(row)
        for rows in self._rows.values():
            rows.sort(key=lambda r: (r.period.end_date, r.period.pk))
        self._index()

    def _index(self):
        # row() is asked for every obligation of every measure shown: a lookup, not a scan.
        self._by_period = {(key, row.period.pk): row for key, rows in self._rows.items() for row in rows}

    @classmethod
    def of_obligation(cls, obligation, plan_id, counted=Report.OFFICIAL_STATES):
        """One obligation's history in the plan, its reports kept as objects
        (`History.reports`, by pk, periods loaded). One query."""
        history = cls([], {}, counted)
        reports = Report.objects.filter(
            measure_id=obligation.measure.pk, unit_id=obligation.unit.pk, period__plan_id=plan_id
        ).select_related("period")
        history.reports = {r.pk: r for r in reports}
        rows = [Row(r.pk, r.period, r.state, r.status, r.percent, r.submitted_at) for r in history.reports.values()]
        history._rows[obligation.key] = sorted(rows, key=lambda r: (r.period.end_date, r.period.pk))
        history._index()
        return history

    def rows(self, key):
        return self._rows.get(key, ())

    def row(self, key, period):
        """The obligation's report for `period` in any state, or None."""
        return self._by_period.get((key, period.pk))

    def counts(self, row):
        return row is not None and row.state in self.counted

    def latest(self, key, period=None, *, before=False, states=None):
        """The obligation's latest counted report (`states`: of these states instead)
        in a period ending by `period`'s end (before=True: ending before its start),
        or None; period None: any period. The one rule for "latest report":
        progress, 沿用上期 and the rates ask here."""
        states = self.counted if states is None else states
        found = None
        for row in self._rows.get(key, ()):
            if period is not None:
                end = row.period.end_date
                if end > period.end_date or (before and end >= period.start_date):
                    continue
            if row.state in states:
                found = row
        return found

    def standing(self, obligation, moment, period=None):
        """The obligation's Standing in `period` (default: the moment's) at `moment`."""
        period = moment.period if period is None else period
        key = obligation.key
        report = self.row(key, period)
        counted = self.counts(report)
        owes = obligation.owes(period)
        earlier = None if counted or period.kind == Period.Kind.FINAL else self.latest(key, period, before=True)
        done_before = owes and earlier is not None and earlier.status == Report.Status.DONE
        missed_previous = False
        previous = moment.previous if moment.period is not None and period.pk == moment.period.pk else None
        if owes and not counted and previous is not None and obligation.owes(previous):
            missed_previous = self.standing(obligation, moment, previous).never_sent
        return Standing(
            obligation=obligation,
            period=period,
            report=report,
            counted=counted,
            owes=owes,
            done_before=done_before,
            closed=moment.closes(period),
            days_left=(period.due_date - moment.day).days,
            missed_previous=missed_previous,
        )


@dataclass(frozen=True, slots=True)
class Moment:
    """A period seen on a day: `day` is the day it is shown as of (periods.as_of),
    `now` the real day; `previous` the last period before it past its due date
    by `day` (its missing reports still make this period's lights red)."""

    period: Period | None
    day: datetime.date
    now: datetime.date
    previous: Period | None = None

    @classmethod
    def of(cls, period, now, periods):
        """The moment `period` is judged at when looked at on `now`; `periods`:
        the plan's periods (all of them, loaded). No query."""
        periods = sorted(periods, key=lambda p: (p.end_date, p.pk))
        day = as_of_in(periods, period, now)
        previous = None
        if period is not None:
            earlier = [p for p in periods if p.end_date < period.start_date and p.due_date < day]
            previous = earlier[-1] if earlier else None
        return cls(period, day, now, previous)

    def closes(self, period):
        """Whether `period`'s due date has passed: the day shown is after it, or
        the period is shown as of its due date because it is over (as it stood
        when that day ended)."""
        return self.now > period.due_date


def as_of_in(periods, period, today):
    """periods.as_of on the plan's periods already loaded (any order). No query."""
    if period is not None and period.due_date < today and period.end_date < today:
        open_periods = sorted((p for p in periods if not p.is_closed), key=lambda p: (p.end_date, p.pk))
        current = current_of(open_periods, today)
        if current is not None and current.pk != period.pk:
            return period.due_date
    return today


@dataclass(frozen=True, slots=True)
class Standing:
    """One obligation in one period at one moment; see the module's rules."""

    obligation: object
    period: Period
    report: Row | None  # this period's report, any state
    counted: bool  # this period's report is in (submitted or approved)
    owes: bool  # Obligation.owes: the period is within the obligation's time (起报日期, leads-only 终期评估)
    done_before: bool  # an earlier quarter's counted report says 已完成 and nothing came this period
    closed: bool  # the due date has passed
    days_left: int  # days from the day shown to the due date (negative once past)
    missed_previous: bool = False  # the last period past its due date was never sent either

    @property
    def owed(self):
        """Counted in the period's 应报送."""
        return self.owes and not self.done_before

    @property
    def submitted(self):
        """Owed and in (submitted or approved)."""
        return self.owed and self.counted

    @property
    def on_time(self):
        day = submitted_on(self.report)
        return self.submitted and day is not None and day <= self.period.due_date

    @property
    def late(self):
        return self.submitted and not self.on_time

    @property
    def missing(self):
        """Owed and not in (yet)."""
        return self.owed and not self.counted

    @property
    def never_sent(self):
        """Owed, not in, and the due date has passed (至今未报)."""
        return self.missing and self.closed

    @property
    def waiting(self):
        """Owed, not in, and the due date still to come (尚未报送)."""
        return self.missing and not self.closed

    @property
    def overdue(self):
        """The missing report after a due date: this period's, or the last period's."""
        return self.missing and (self.closed or self.missed_previous)

    @property
    def due_soon(self):
        return self.waiting and not self.missed_previous and self.days_left <= DUE_SOON_DAYS

    @property
    def returned(self):
        """This period's report is back with the unit (returned or reopened)."""
        return self.report is not None and self.report.state == Report.State.RETURNED

    @property
    def evaluated(self):
        """A final evaluation owed and in (its 完成情况 comes with it)."""
        return self.period.kind == Period.Kind.FINAL and self.submitted
