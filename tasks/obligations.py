"""Obligations: who owes a report on which measure.

Every (measure, unit) assignment is an obligation. An assignment to a
collective unit (各街镇, 各相关街镇) is an obligation of each of its members,
in the collective's role, so each town reports its own part. A unit that is
also listed directly on the same measure keeps its direct assignment.
"""

from dataclasses import dataclass

from departments.models import Unit

from .models import Assignment, Measure


@dataclass(frozen=True)
class Obligation:
    measure: Measure
    unit: Unit
    role: str
    position: int
    collective: Unit | None = None  # set when the duty comes through 各街镇 etc.

    @property
    def key(self):
        return (self.measure.pk, self.unit.pk)

    @property
    def is_lead(self):
        return self.role == Assignment.Role.LEAD

    def get_role_display(self):
        return Assignment.Role(self.role).label


def collective_members():
    """{collective unit id: [member units]}. One query."""
    members = {}
    rows = Unit.members.through.objects.select_related("to_unit").order_by("to_unit__sort_order", "to_unit__name")
    for row in rows:
        members.setdefault(row.from_unit_id, []).append(row.to_unit)
    return members


def expand(assignments, members):
    """Obligations of the given assignments (units loaded), document order."""
    direct = {(a.measure_id, a.unit_id) for a in assignments}
    obligations = []
    for a in sorted(assignments, key=lambda a: (a.measure_id, a.position)):
        if a.unit.is_collective:
            for member in members.get(a.unit_id, []):
                if (a.measure_id, member.pk) not in direct:
                    obligations.append(Obligation(a.measure, member, a.role, a.position, a.unit))
        else:
            obligations.append(Obligation(a.measure, a.unit, a.role, a.position))
    return obligations


def for_measure(measure, members=None):
    """A measure's obligations; uses prefetched assignments when present."""
    members = collective_members() if members is None else members
    return expand(measure.ordered_assignments(), members)


def for_units(units, plan=None):
    """Obligations of the given units across the plan, in document order. Three queries."""
    unit_ids = [u.pk for u in units]
    if not unit_ids:
        return []
    members = collective_members()
    collectives = [cid for cid, ms in members.items() if any(m.pk in unit_ids for m in ms)]
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
