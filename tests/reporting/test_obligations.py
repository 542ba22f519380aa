"""Obligations (tasks/obligations.py): who owes a report on which measure, collectives expanded."""

from tasks import obligations
from tasks.models import Assignment
from tasks.progress.rollup import PlanProgress
from tests.conftest import measure_by_code
from tests.tasks.plan_facts import TWELVE_JIEZHEN as TWELVE

from .helpers import TODAY, period, unit


def test_collective_co_organizer_expands_to_its_twelve_members_as_co_organizers(plan):
    measure = measure_by_code(plan, 2, 1)

    owed = obligations.for_measure(measure)

    direct = [(o.unit.name, o.role) for o in owed if o.collective is None]
    assert direct == [
        ("区科委", "lead"),
        ("区委网信办", "support"),
        ("区经委", "support"),
        ("区行政服务中心（大数据中心）", "support"),
    ]
    via = [o for o in owed if o.collective is not None]
    assert {o.unit.name for o in via} == TWELVE
    assert {(o.role, o.collective.name) for o in via} == {("support", "各街镇")}
    assert len(owed) == 16


def test_collective_lead_expands_to_twelve_lead_obligations(plan):
    owed = obligations.for_measure(measure_by_code(plan, 6, 1))

    assert {o.unit.name for o in owed} == TWELVE
    assert all(o.is_lead and o.get_role_display() == "牵头" for o in owed)
    assert len(owed) == 12


def test_unit_listed_directly_and_through_its_collective_counts_once_in_its_direct_role(plan):
    measure = measure_by_code(plan, 5, 2)
    Assignment.objects.create(measure=measure, unit=unit("各街镇"), position=99, role="support", printed_name="各街镇")
    measure = measure_by_code(plan, 5, 2)

    owed = obligations.for_measure(measure)

    names = [o.unit.name for o in owed]
    assert len(names) == len(set(names)) == 8 + 9  # twelve members, three of them listed directly
    jiangqiao = [o for o in owed if o.unit.name == "江桥镇"]
    assert [(o.role, o.collective) for o in jiangqiao] == [("lead", None)]
    assert [(o.role, o.collective.name) for o in owed if o.unit.name == "马陆镇"] == [("support", "各街镇")]
    mine = [o for o in obligations.for_units([unit("江桥镇")], plan) if o.measure.pk == measure.pk]
    assert [(o.role, o.collective) for o in mine] == [("lead", None)]
    state = PlanProgress(plan, period(plan), today=TODAY).states[measure.pk]
    assert [s.obligation.unit.name for s in state.leads] == ["江桥镇", "南翔镇", "安亭镇", "北虹办"]


def test_town_staff_obligations_include_those_through_the_collective(plan):
    owed = {
        o.measure.code: (o.role, o.collective.name if o.collective else None)
        for o in obligations.for_units([unit("江桥镇")], plan)
    }

    assert owed["6.(1)"] == ("lead", "各街镇")
    assert owed["2.(1)"] == ("support", "各街镇")
    assert owed["5.(2)"] == ("lead", None)
    assert "1.(1)" not in owed
