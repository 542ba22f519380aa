"""Reporting periods: quarterly by default, due ten days after each quarter.

Due dates move to the next working day on the Chinese calendar (public
holidays and 调休 make-up days included), from the chinese-calendar package.
"""

import datetime

import chinese_calendar
from django.conf import settings

from tasks.models import Period, current_of

DUE_AFTER_DAYS = 10
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def is_workday(day):
    """Chinese-calendar working day; plain Monday–Friday beyond its data."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def next_workday(day):
    while not is_workday(day):
        day += datetime.timedelta(days=1)
    return day


def default_due_date(period_end):
    return next_workday(period_end + datetime.timedelta(days=DUE_AFTER_DAYS))


def quarters(start, end):
    """(name, first day, last day) of each calendar quarter overlapping start..end."""
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while True:
        first = datetime.date(year, 3 * quarter - 2, 1)
        if first > end:
            return
        next_first = datetime.date(year + quarter // 4, 3 * (quarter % 4) + 1, 1)
        yield f"{year}年{QUARTER_NAMES[quarter]}", first, next_first - datetime.timedelta(days=1)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def ensure_quarterly_periods(plan):
    """Create the plan's quarterly periods that do not exist yet; returns how many."""
    existing = set(plan.periods.values_list("name", flat=True))
    new = [
        Period(
            plan=plan,
            name=name,
            kind=Period.Kind.QUARTER,
            start_date=first,
            end_date=last,
            due_date=default_due_date(last),
        )
        for name, first, last in quarters(plan.start_date, plan.end_date)
        if name not in existing
    ]
    Period.objects.bulk_create(new)
    return len(new)


def as_of(period, today):
    """The day progress is computed for when looking at `period`: today, or a
    past period's due date (a period that is no longer the current one is shown
    as it stood then; the plan's last quarter stays current past its due date).
    One query for a past period.

    The pages, the 台账 export (browser and command), its import and the 通报
    all ask here, so that a sheet and a page of the same period agree.
    """
    if period is not None and period.due_date < today and period.end_date < today:
        current = Period.objects.current(period.plan, today)
        if current is not None and current.pk != period.pk:
            return period.due_date
    return today


# Which periods take reports. Views (the report form), the 台账 import and
# the workflow all ask here, so a hand-edited period field cannot get past.


def reporting_deadline(period):
    """The last day units may write into `period` if it is the current one:
    REPORTING_GRACE_DAYS after its due date, or the coordinator's later
    late-reporting date."""
    deadline = period.due_date + datetime.timedelta(days=settings.REPORTING_GRACE_DAYS)
    if period.late_until and period.late_until > deadline:
        return period.late_until
    return deadline


def _open_periods(plan):
    return list(Period.objects.filter(plan=plan, is_closed=False).order_by("end_date", "pk"))


def _current_and_writable(periods, today):
    current = current_of(periods, today)
    writable = [
        p
        for p in periods
        if (p == current and today <= reporting_deadline(p)) or (p.late_until is not None and today <= p.late_until)
    ]
    return current, writable[::-1]


def current_and_writable(plan, today):
    """(Period.objects.current, writable_periods) together. One query."""
    return _current_and_writable(_open_periods(plan), today)


def writable_periods(plan, today):
    """The periods units may write into today, latest first: the current
    period while within its deadline, and every open period the coordinator
    opened for late reporting until today or later. One query."""
    return _current_and_writable(_open_periods(plan), today)[1]


def chosen_period(writable, wanted):
    """The period among `writable` (writable_periods) that a page's ?period= names,
    or None: a page opened for a period that no longer takes reports falls back
    to its default."""
    return next((p for p in writable if p.pk == wanted), None) if wanted else None


def reporting_period(plan, today):
    """The period a unit reports into by default (the current one if it takes
    reports, else the latest opened for late reporting), or None. One query."""
    current, writable = _current_and_writable(_open_periods(plan), today)
    if not writable:
        return None
    return current if current in writable else writable[0]


def write_block_reason(period, today):
    """Why nobody may write into `period` today, or None if they may.
    One query, remembered on the period for the day (an import asks per row)."""
    cached = getattr(period, "_write_block", None)
    if cached is not None and cached[0] == today:
        return cached[1]
    reason = _write_block_reason(period, today)
    period._write_block = (today, reason)
    return reason


def _write_block_reason(period, today):
    if period.is_closed:
        return "本填报周期已关闭，不能再填报或修改。"
    if period in writable_periods(period.plan, today):
        return None
    if period.late_until and today > period.late_until:
        return f"“{period.name}”的补报已于 {period.late_until:%Y-%m-%d} 截止；如需补报，请联系协调人延期。"
    if today > period.due_date:
        return f"“{period.name}”已于 {reporting_deadline(period):%Y-%m-%d} 停止填报；如需补报，请联系协调人开放补报。"
    return f"“{period.name}”不是当前填报周期，不能填报。"
