"""A second, differently numbered table: Chinese numerals, "（1）" with a gap,
（牵头） markers, "牵头：…配合：…", an alias, and two units the district does
not know, which the admin maps, keeps as an alias or creates."""

import pytest

from departments.models import Unit, UnitAlias
from tasks.models import Plan
from tasks.plans import plantable, tableread
from tasks.plans.plantable import Action, Decision
from tasks.plans.tableread import Severity

from .conftest import NEW_DOC, build, load, snapshot
from .tables import SECOND_NOTE, SECOND_ROWS, SECOND_UNKNOWN, Row, write_docx, write_xlsx

TITLE = "嘉定区广告产业营商环境提升行动方案（2026—2027年）"
DECISIONS = {
    "区规划资源局": Decision(Action.CREATE, kind=Unit.Kind.GOVERNMENT),
    "区经济委员会": Decision(Action.ALIAS, unit="区经委"),
}


@pytest.fixture(params=["docx", "xlsx"])
def second(request, tmp_path):
    if request.param == "docx":
        return write_docx(tmp_path / "营商环境.docx", SECOND_ROWS, note=SECOND_NOTE, split_after=(1,))
    return write_xlsx(tmp_path / "营商环境.xlsx", SECOND_ROWS, note=SECOND_NOTE)


def leads(plan, task, measure):
    m = plan.tasks.get(number=task).measures.get(number=measure)
    return [a.printed_name for a in m.ordered_assignments() if a.is_lead]


def test_the_preview_lists_tasks_measures_units_and_leads_as_numbered(plan, second):
    built = build(second, title=TITLE)
    assert [(t.number, t.title) for t, _ in built.tasks] == [(1, "优化数字广告营商环境"), (2, "培育广告产业人才")]
    first, second_task = built.tasks[0][1], built.tasks[1][1]
    assert [m.code for m in first] == ["1.(1)", "1.(2)", "1.(4)"]  # the gap is kept
    assert [(u.printed, u.unit, u.lead, u.how) for u in first[1].units] == [
        ("区行政服务中心（大数据中心）", "区行政服务中心（大数据中心）", False, "known"),
        ("区市场局", "区市场监管局", True, "alias"),
    ]
    assert [(u.printed, u.lead) for u in second_task[0].units] == [
        ("区人力资源社会保障局", True),
        ("区经济委员会", False),
        ("区教育局", False),
    ]
    assert first[2].text == "建设 5G 户外数字屏示范点位。"


def test_unknown_units_need_a_decision_with_their_places_and_closest_names(plan, second):
    built = build(second, title=TITLE)
    assert not built.ok
    assert [u.name for u in built.unknown] == SECOND_UNKNOWN
    economy = built.unknown[1]
    assert economy.suggestions[0] == "区经委"
    expected = "表 2 第 2 行“责任单位”列" if second.suffix == ".docx" else "工作表“任务分工” 第 7 行 C7 单元格"
    assert economy.places == [expected]
    decisions = [p for p in built.problems if p.severity == Severity.DECISION]
    assert {p.name for p in decisions} == set(SECOND_UNKNOWN)
    assert built.spec is None


def test_nothing_is_written_until_the_unknown_units_are_decided(plan, second):
    before = snapshot()
    built = build(second, title=TITLE)
    with pytest.raises(ValueError):
        plantable.load_table_plan(built)
    assert snapshot() == before


def test_a_marker_wins_over_the_note_and_the_difference_is_shown(plan, second):
    built = build(second, title=TITLE, decisions=DECISIONS)
    warnings = [p for p in built.problems if p.severity == Severity.WARNING and "以标注为准" in p.message]
    assert len(warnings) == 1 and "1.(2)" in warnings[0].message
    new, _ = plantable.load_table_plan(built)
    assert leads(new, 1, 2) == ["区市场局"]  # listed second, marked （牵头）
    assert leads(new, 1, 1) == ["区市场监管局"]
    assert leads(new, 2, 1) == ["区人力资源社会保障局"]
    assert leads(new, 1, 4) == ["区规划资源局"]  # first listed, as the note says


def test_decisions_create_the_unit_and_keep_the_alias(plan, second):
    new, _ = load(second, title=TITLE, decisions=DECISIONS)
    created = Unit.objects.get(name="区规划资源局")
    assert created.kind == Unit.Kind.GOVERNMENT
    assert created.sort_order > Unit.objects.exclude(pk=created.pk).order_by("-sort_order")[0].sort_order
    assert UnitAlias.objects.get(name="区经济委员会").unit.name == "区经委"
    assignment = new.tasks.get(number=2).measures.get(number=1).assignments.get(position=2)
    assert (assignment.printed_name, assignment.unit.name) == ("区经济委员会", "区经委")
    assert new.title == TITLE and new.issuer == tableread.DEFAULT_ISSUER
    assert (new.start_date.isoformat(), new.end_date.isoformat()) == ("2026-01-01", "2027-12-31")
    assert new.periods.count() == 8


def test_a_mapping_holds_for_this_plan_only_and_a_reload_needs_no_decision(plan, second):
    decisions = {**DECISIONS, "区经济委员会": Decision(Action.MAP, unit="区经委")}
    new, _ = load(second, title=TITLE, decisions=decisions)
    assert not UnitAlias.objects.filter(name="区经济委员会").exists()
    assert new.tasks.get(number=2).measures.get(number=1).assignments.get(position=2).unit.name == "区经委"
    again = build(second, title=TITLE)
    assert again.ok, [str(p) for p in again.problems]
    _, result = plantable.load_table_plan(again)
    assert result.changed == 0
    other = build(second, doc_number="嘉府发〔2026〕8号", title=TITLE)
    assert [u.name for u in other.unknown] == ["区经济委员会"]


def test_a_new_unit_can_take_a_canonical_name_different_from_the_printed_one(plan, second):
    decisions = {**DECISIONS, "区规划资源局": Decision(Action.CREATE, unit="区规划和自然资源局", kind="government")}
    new, _ = load(second, title=TITLE, decisions=decisions)
    assert UnitAlias.objects.get(name="区规划资源局").unit.name == "区规划和自然资源局"


@pytest.mark.parametrize(
    "decision,message",
    [
        (Decision(Action.MAP, unit=""), "请为“区规划资源局”选择一个已有单位"),
        (Decision(Action.MAP, unit="不存在的单位"), "请为“区规划资源局”选择一个已有单位"),
        (Decision(Action.CREATE, kind=""), "请选择新单位“区规划资源局”的类型"),
        (Decision(Action.CREATE, kind="collective"), "请选择新单位“区规划资源局”的类型"),
        (Decision(Action.CREATE, unit="区科委", kind="government"), "单位“区科委”已存在"),
    ],
)
def test_incomplete_decisions_are_problems_not_loads(plan, second, decision, message):
    built = build(second, title=TITLE, decisions={**DECISIONS, "区规划资源局": decision})
    assert not built.ok
    assert any(message in p.message for p in built.problems)


def test_a_note_not_understood_waits_for_the_admin(plan, tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", SECOND_ROWS, note="备注：第一个为牵头单位，各单位每季度报送进展。")
    built = build(path, title=TITLE, decisions=DECISIONS)
    (problem,) = [p for p in built.problems if p.severity == Severity.DECISION]
    assert "各单位每季度报送进展" in problem.message
    assert problem.place.endswith("行")
    assert not built.ok
    assert build(path, title=TITLE, decisions=DECISIONS, note_accepted=True).ok


def test_each_town_leads_its_own_part_only_where_the_note_says_so(plan, tmp_path):
    rows = [
        Row("1. 任务", "(1) 甲", "江桥镇、南翔镇、区商务委"),
        Row("", "(2) 乙", "江桥镇、南翔镇、区商务委"),
    ]
    path = write_docx(tmp_path / "t.docx", rows, note="备注：排名第一的为牵头单位，其中 1.(2) 各街镇各自牵头。")
    new, _ = load(path, title=TITLE)
    assert leads(new, 1, 1) == ["江桥镇"]
    assert leads(new, 1, 2) == ["江桥镇", "南翔镇"]
    assert new.tasks.get(number=1).measures.get(number=2).each_lead_own_part


def test_a_note_naming_a_measure_a_district_department_leads_asks_the_admin(plan, tmp_path):
    rows = [Row("1. 任务", "(1) 甲", "区商务委、江桥镇")]
    path = write_docx(tmp_path / "t.docx", rows, note="备注：其中 1.(1) 各街镇各自牵头。")
    built = build(path, title=TITLE)
    assert [p.severity for p in built.problems if "区级部门" in p.message] == [Severity.DECISION]
    assert build(path, title=TITLE, note_accepted=True).ok


def test_problems_in_the_table_block_the_load(plan, tmp_path):
    rows = [
        Row("1. 任务", "(1) 甲", ""),
        Row("", "(2) 乙", "区科委、区科委"),
        Row("", "(3) 丙", "区市场局、区市场监管局"),
    ]
    built = build(write_xlsx(tmp_path / "t.xlsx", rows, note=""), title=TITLE)
    messages = [(p.place, p.message) for p in built.problems if p.severity == Severity.ERROR]
    assert messages == [
        ("工作表“任务分工” 第 4 行 C4 单元格", "措施 1.(1) 没有责任单位"),
        ("工作表“任务分工” 第 5 行 C5 单元格", "措施 1.(2) 中单位“区科委”出现了不止一次"),
        ("工作表“任务分工” 第 6 行 C6 单元格", "措施 1.(3) 中单位“区市场监管局”出现了不止一次"),
    ]
    assert not built.ok


def test_dates_are_required_when_the_title_has_no_years(plan, second):
    built = build(second, title="某行动方案", decisions=DECISIONS)
    assert any("开始和结束日期" in p.message for p in built.problems)
    import datetime

    ok = build(
        second,
        title="某行动方案",
        decisions=DECISIONS,
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    assert ok.ok


def test_reloading_with_more_measures_keeps_progress_and_other_plans(plan, second, tmp_path):
    new, _ = load(second, title=TITLE, decisions=DECISIONS)
    rows = SECOND_ROWS + [Row("", "（3）新增措施。", "区教育局")]
    bigger = write_xlsx(tmp_path / "更多.xlsx", rows, note=SECOND_NOTE)
    _, result = load(bigger, title=TITLE)
    assert result.created >= 2 and Plan.objects.get(pk=new.pk).tasks.get(number=2).measures.count() == 3
    assert Plan.objects.filter(doc_number=NEW_DOC).count() == 1
