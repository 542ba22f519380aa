"""Reporting periods: quarterly by default, due ten days after each quarter.

Due dates move to the next working day on the Chinese calendar (public
holidays and 调休 make-up days included), from the chinese-calendar package.
"""

import datetime

import chinese_calendar

from .models import Period

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
