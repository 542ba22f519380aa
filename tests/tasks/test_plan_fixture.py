"""The bundled plan (fixtures/jiading_ads_2023.yaml) against the notice it was transcribed from.

The attachment's table (任务分工) is the authority for tasks, measures and units;
section 四 of the body supplies each task's narrative and 责任部门.
"""

import datetime

import pytest

from departments.models import Unit
from tasks.models import Assignment, Measure, Task
from tests.conftest import measure_by_code

from .plan_facts import MEASURE_COUNTS, TASK_TITLES, TWELVE_JIEZHEN
from .seed import attachment_rows, body_tasks


def printed_units(measure):
    return [a.printed_name for a in measure.assignments.order_by("position")]


def leads(measure):
    return [a.printed_name for a in measure.assignments.order_by("position") if a.is_lead]


# Structure and numbering


def test_plan_has_11_tasks_and_42_measures(plan):
    assert plan.tasks.count() == 11
    assert Measure.objects.filter(task__plan=plan).count() == 42


def test_tasks_are_numbered_1_to_11(plan):
    assert list(plan.tasks.order_by("number").values_list("number", flat=True)) == list(range(1, 12))


def test_measure_counts_per_task_match_attachment(plan):
    counts = [task.measures.count() for task in plan.tasks.order_by("number")]
    assert counts == MEASURE_COUNTS == [5, 2, 5, 4, 3, 9, 3, 2, 4, 2, 3]


def test_task_10_keeps_the_printed_gap_in_its_numbering(plan):
    task = plan.tasks.get(number=10)
    assert list(task.measures.order_by("number").values_list("number", flat=True)) == [1, 3]
    assert not task.measures.filter(number=2).exists()


def test_every_other_task_numbers_its_measures_from_1_without_gaps(plan):
    for task in plan.tasks.exclude(number=10):
        numbers = list(task.measures.order_by("number").values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), task.number


@pytest.mark.parametrize("number,title", sorted(TASK_TITLES.items()))
def test_task_title_is_printed_title_without_line_break_spaces(plan, number, title):
    assert plan.tasks.get(number=number).title == title


def test_task_heading_is_number_dot_title(plan):
    assert plan.tasks.get(number=2).heading == "2. 加强数字广告技术应用与数据支撑"


def test_task_titles_match_the_attachment_table(plan):
    from_seed = {row.task_number: row.task_title for row in attachment_rows()}
    assert dict(plan.tasks.values_list("number", "title")) == from_seed


# Measure texts


@pytest.mark.parametrize(
    "task_number,measure_number,text",
    [
        (
            1,
            1,
            "鼓励有条件的创新创业载体孵化培育并服务数字广告相关创新创业企业。建设和运营一批广告业创新创业的众创空间。",
        ),
        (2, 1, "推动人工智能、大数据、云计算、区块链、5G 等新技术在数字广告行业开展深度应用。"),
        (
            5,
            2,
            "相关街镇根据街镇特点打造广告产业孵化平台，鼓励数字广告业向重点园区集中，培育一批有潜力的数字化广告企业。",
        ),
        (
            6,
            8,
            "推动直播电商平台、MCN机构和广告营销等企业加强资源整合。搭建数字广告业与电竞等行业交流合作平台。",
        ),
        (
            10,
            3,
            "推动商业银行、保险机构、担保机构等创新产品、优化服务，持续推进知识产权金融服务“入园惠企”活动。",
        ),
        (
            11,
            3,
            "加大优秀公益广告作品推广力度，在巩固传统传播媒体的同时，大力发展新媒体传播，不断提升传播效果和影响力。",
        ),
    ],
)
def test_measure_text_is_verbatim(plan, task_number, measure_number, text):
    assert measure_by_code(plan, task_number, measure_number).text == text


def test_every_measure_text_matches_the_attachment_table(plan):
    stored = {(m.task.number, m.number): m.text for m in Measure.objects.filter(task__plan=plan).select_related("task")}
    from_seed = {(row.task_number, row.measure_number): row.measure_text for row in attachment_rows()}
    assert stored == from_seed


def test_measure_due_date_defaults_to_plan_end(plan):
    due_dates = set(Measure.objects.filter(task__plan=plan).values_list("due_date", flat=True))
    assert due_dates == {datetime.date(2025, 12, 31)}


def test_measure_str_gives_code_and_start_of_text(plan):
    assert str(measure_by_code(plan, 5, 2)).startswith("5.(2) 相关街镇根据街镇特点")


# Units and leads


def test_every_measure_lists_the_printed_units_in_document_order(plan):
    stored = {
        (m.task.number, m.number): printed_units(m)
        for m in Measure.objects.filter(task__plan=plan).select_related("task")
    }
    from_seed = {(row.task_number, row.measure_number): row.units for row in attachment_rows()}
    assert stored == from_seed


@pytest.mark.parametrize(
    "task_number,measure_number,units",
    [
        (1, 3, ["区商务委", "区文化旅游局", "区科委", "区委宣传部"]),
        (2, 1, ["区科委", "区委网信办", "区经委", "区行政服务中心(大数据中心)", "各街镇"]),
        (5, 2, ["江桥镇", "南翔镇", "安亭镇", "北虹办", "区商务委", "区市场局", "区经委", "区科委"]),
        (6, 1, ["各街镇"]),
        (9, 1, ["区市场监管局", "各相关街镇"]),
    ],
)
def test_measure_units_are_printed_names_in_document_order(plan, task_number, measure_number, units):
    measure = measure_by_code(plan, task_number, measure_number)
    assert printed_units(measure) == units
    assert list(measure.assignments.order_by("position").values_list("position", flat=True)) == list(
        range(1, len(units) + 1)
    )


def test_first_listed_unit_is_the_only_lead_of_every_measure_but_5_2(plan):
    measures = Measure.objects.filter(task__plan=plan).select_related("task")
    checked = 0
    for measure in measures:
        if measure.code == "5.(2)":
            continue
        assert leads(measure) == printed_units(measure)[:1], measure.code
        assert not measure.each_lead_own_part, measure.code
        checked += 1
    assert checked == 41


def test_measure_5_2_towns_and_beihong_each_lead_their_own_part(plan):
    measure = measure_by_code(plan, 5, 2)
    assert measure.each_lead_own_part is True
    assert leads(measure) == ["江桥镇", "南翔镇", "安亭镇", "北虹办"]


def test_measure_5_2_district_departments_co_organize(plan):
    measure = measure_by_code(plan, 5, 2)
    supporting = measure.assignments.filter(role=Assignment.Role.SUPPORT).order_by("position")
    assert [a.printed_name for a in supporting] == ["区商务委", "区市场局", "区经委", "区科委"]
    assert {a.unit.kind for a in supporting} == {Unit.Kind.GOVERNMENT}


def test_only_measure_5_2_is_marked_each_lead_own_part(plan):
    marked = Measure.objects.filter(task__plan=plan, each_lead_own_part=True).select_related("task")
    assert [m.code for m in marked] == ["5.(2)"]


# Aliases and collective units


@pytest.mark.parametrize(
    "printed,canonical",
    [
        ("区市场局", "区市场监管局"),
        ("区市场监管部门", "区市场监管局"),
        ("区行政服务中心(大数据中心)", "区行政服务中心（大数据中心）"),
        ("区市场监管局", "区市场监管局"),
    ],
)
def test_printed_spelling_resolves_to_canonical_unit(plan, printed, canonical):
    assert Unit.objects.resolve_names([printed])[printed].name == canonical


def test_each_unit_is_stored_once_under_its_canonical_name(plan):
    names = set(Unit.objects.values_list("name", flat=True))
    assert "区市场监管局" in names
    assert "区行政服务中心（大数据中心）" in names
    assert names.isdisjoint({"区市场局", "区市场监管部门", "区行政服务中心(大数据中心)"})


def test_5_2_assignment_keeps_printed_name_but_points_at_market_supervision_bureau(plan):
    assignment = measure_by_code(plan, 5, 2).assignments.get(position=6)
    assert assignment.printed_name == "区市场局"
    assert assignment.unit.name == "区市场监管局"
    assert assignment.role == Assignment.Role.SUPPORT


def test_2_1_assignment_keeps_half_width_brackets_but_points_at_canonical_unit(plan):
    assignment = measure_by_code(plan, 2, 1).assignments.get(position=4)
    assert assignment.printed_name == "区行政服务中心(大数据中心)"
    assert assignment.unit.name == "区行政服务中心（大数据中心）"


@pytest.mark.parametrize("name", ["各街镇", "各相关街镇"])
def test_collective_unit_starts_with_the_twelve_jiezhen_owed_from_the_plans_start(plan, name):
    unit = Unit.objects.get(name=name)
    assert unit.is_collective
    assert set(unit.members.values_list("name", flat=True)) == TWELVE_JIEZHEN
    assert set(unit.member_links.values_list("owed_from", flat=True)) == {None}


def test_beihongban_is_not_a_default_member_of_any_collective(plan):
    assert not Unit.objects.get(name="北虹办").collectives.exists()


def test_only_the_two_collective_units_have_members(plan):
    with_members = Unit.objects.filter(members__isnull=False).distinct()
    assert set(with_members.values_list("name", flat=True)) == {"各街镇", "各相关街镇"}


# Plan fields and the body's section 四


def test_plan_fields_come_from_the_notice(plan):
    assert plan.doc_number == "嘉府发〔2023〕2号"
    assert plan.title == "嘉定区数字广告业高质量发展行动方案（2023—2025年）"
    assert plan.issuer == "上海市嘉定区人民政府"
    assert plan.start_date == datetime.date(2023, 1, 1)
    assert plan.end_date == datetime.date(2025, 12, 31)


def test_plan_goals_carry_the_2025_targets(plan):
    assert "40%" in plan.goals
    assert "两位数增长" in plan.goals
    assert "若干个中广国际广告产业园分园" in plan.goals


def test_plan_safeguards_name_market_supervision_as_coordinator(plan):
    assert "由区市场监管部门牵头" in plan.safeguards
    assert plan.safeguards.startswith("1. 健全管理体系机制。")
    assert "4. 推进数字广告社会共治。" in plan.safeguards


def test_plan_lead_note_is_the_attachment_remark(plan):
    assert plan.lead_note == "责任单位中排名第一的是牵头单位，其中 5.(2) 各街镇各自牵头。"


@pytest.mark.parametrize(
    "number,start,end,departments",
    [
        (
            1,
            "鼓励创建数字广告为主的创新创业“众创空间”",
            "推动户外场所媒介广告数字化、场景化、平台化、智能化发展。",
            "区商务委、区委宣传部、区科委、区文化旅游局、区绿化市容局、区市场监管局、区财政局、区发展改革委",
        ),
        (
            5,
            "推动中广国际国家广告产业园区数字化转型",
            "形成多元化、多层次的广告市场主体。",
            "工业区管委会、江桥镇、南翔镇、安亭镇、区市场监管局、区商务委、区经委、区科委、北虹办",
        ),
        (
            9,
            "依托“上海·嘉定人才港”",
            "提高广告从业人员技能水平。",
            "区人力资源社会保障局、区市场监管局、各街镇",
        ),
    ],
)
def test_task_narrative_and_departments_come_from_section_4(plan, number, start, end, departments):
    task = plan.tasks.get(number=number)
    assert task.narrative.startswith(start)
    assert task.narrative.endswith(end)
    assert task.departments == departments


def test_narrative_joins_text_split_by_a_page_break(plan):
    # Section 四 of task 5 breaks across pages after "打响数字经济、创新经济品牌，".
    assert "打响数字经济、创新经济品牌，形成具有显著特征的数字广告产业集群。" in (plan.tasks.get(number=5).narrative)
    assert "\n" not in plan.tasks.get(number=9).narrative


@pytest.mark.parametrize("number", range(1, 12))
def test_task_narrative_and_departments_match_the_notice(plan, number):
    narrative, departments = body_tasks()[number]
    task = Task.objects.get(plan=plan, number=number)
    assert task.narrative == narrative
    assert task.departments == "、".join(departments)
