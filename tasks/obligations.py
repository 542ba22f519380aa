"""Obligations: who owes a report on which measure.

Every (measure, unit) assignment is an obligation. An assignment to a
collective unit (各街镇, 各相关街镇) is an obligation of each of its members,
in the collective's role, so each town reports its own part. A unit that is
also listed directly on the same measure keeps its direct assignment.

When an obligation starts: an assignment or a collective membership may carry
an `owed_from` date (blank: from the plan's start). The obligation owes a
report for a period only if the period starts on or after that date, so a
unit added in the middle of a period owes its first report for the next one
and is never overdue on the day it was added. `Obligation.owes` is the one
place this rule is applied; tasks/judgement.py asks it.

A final evaluation (a period of kind 终期评估) is owed by leads only: the
lead evaluates its measure (or, in 5.(2) and for a collective lead, its own
part); co-organizers owe nothing in that period. `Obligation.owes` applies
this too, so a co-organizer is neither expected, overdue nor red in it, and
the workflow refuses its writes there (workflow.final_block_reason).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from departments.models import CollectiveMembership, Unit
from tasks.models import Assignment, Measure, Period


@dataclass(frozen=True)
class Obligation:
    measure: Measure
    unit: Unit
    role: str
    position: int
    collective: Unit | None = None  # set when the duty comes through 各街镇 etc.
    owed_from: datetime.date | None = None  # None: owed from the plan's start

    @property
    def key(self):
        return (self.measure.pk, self.unit.pk)

    @property
    def is_lead(self):
        return self.role == Assignment.Role.LEAD

    def get_role_display(self):
        return Assignment.Role(self.role).label

    def owes(self, period):
        """Whether a report is owed for `period` (None: no period, nothing owed yet either).
        A final evaluation (终期评估) is owed by leads only."""
        if period is not None and period.kind == Period.Kind.FINAL and not self.is_lead:
            return False
        if self.owed_from is None:
            return True
        return period is not None and period.start_date >= self.owed_from


def later(*dates):
    """The latest of the dates given, ignoring None (None if all are)."""
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def default_owed_from(today=None):
    """When a unit added today starts to owe reports: the start of the next
    reporting period of any plan, else tomorrow. One query.

    Obligations are owed for periods starting on or after this date, so any
    day after today up to a plan's next period start gives that plan the same
    answer; the next period's start is simply the date a person understands.
    """
    today = today or timezone.localdate()
    upcoming = Period.objects.filter(start_date__gt=today).order_by("start_date").values_list("start_date", flat=True)
    return upcoming.first() or today + datetime.timedelta(days=1)


def collective_members():
    """{collective unit id: [CollectiveMembership with its member loaded]}. One query."""
    members = {}
    rows = CollectiveMembership.objects.select_related("member").order_by("member__sort_order", "member__name")
    for row in rows:
        members.setdefault(row.collective_id, []).append(row)
    return members


def expand(assignments, members):
    """Obligations of the given assignments (units loaded), document order."""
    direct = {(a.measure_id, a.unit_id) for a in assignments}
    obligations = []
    for a in sorted(assignments, key=lambda a: (a.measure_id, a.position)):
        if a.unit.is_collective:
            for link in members.get(a.unit_id, []):
                if (a.measure_id, link.member_id) not in direct:
                    owed_from = later(a.owed_from, link.owed_from)
                    obligations.append(Obligation(a.measure, link.member, a.role, a.position, a.unit, owed_from))
        else:
            obligations.append(Obligation(a.measure, a.unit, a.role, a.position, owed_from=a.owed_from))
    return obligations


def for_measure(measure, members=None):
    """A measure's obligations; uses prefetched assignments when present."""
    members = collective_members() if members is None else members
    return expand(measure.ordered_assignments(), members)


def plan_ids(units):
    """The ids of the plans in which the units owe reports, directly or through
    a collective they are members of: a subquery, for Plan.objects.filter(pk__in=...)."""
    unit_ids = [u.pk for u in units]
    # Two IN lists on the assignment's unit, so the database looks both up by
    # its index (a join through the members made SQLite read every assignment).
    collectives = CollectiveMembership.objects.filter(member_id__in=unit_ids).values("collective_id")
    return Assignment.objects.filter(Q(unit_id__in=unit_ids) | Q(unit_id__in=collectives)).values(
        "measure__task__plan_id"
    )


def for_units(units, plan=None):
    """Obligations of the given units across the plan, in document order. Three queries."""
    unit_ids = [u.pk for u in units]
    if not unit_ids:
        return []
    members = collective_members()
    collectives = [cid for cid, links in members.items() if any(link.member_id in unit_ids for link in links)]
    assignments = Assignment.objects.filter(unit_id__in=unit_ids + collectives).select_related(
        "unit", "measure__task__plan"
    )
    if plan is not None:
        assignments = assignments.filter(measure__task__plan=plan)
    obligations = [o for o in expand(list(assignments), members) if o.unit.pk in unit_ids]
    return sorted(
        obligations,
        key=lambda o: (o.measure.task.plan_id, o.measure.task.number, o.measure.number, o.unit.sort_order),
    )


def find(measure, unit, members=None):
    """The obligation of `unit` (a Unit or its pk) on `measure`, or None: the
    one rule for whether and in which role a unit reports on a measure.

    `members`: collective_members(), when the caller looks up many.
    """
    unit_id = getattr(unit, "pk", unit)
    for obligation in for_measure(measure, members):
        if obligation.unit.pk == unit_id:
            return obligation
    return None


def units_owing(plan, period):
    """Ids of the units that owe at least one report on the plan for `period`. Two queries."""
    assignments = Assignment.objects.filter(measure__task__plan=plan).select_related("unit", "measure")
    return {o.unit.pk for o in expand(list(assignments), collective_members()) if o.owes(period)}
